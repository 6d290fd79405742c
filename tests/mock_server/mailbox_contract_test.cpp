// The Mailbox contract, run against FsMailbox (a mkdtemp root) and MemoryMailbox: every case
// passes on both, which is what makes the in-memory fake (fuzzers, tests) faithful.
#include "tests/mock_server/mailbox_contract.hpp"

#include <gtest/gtest.h>
#include <regex>

namespace xsime::mock {
namespace {

using contract::MailboxContract;
using contract::unix_now;
TYPED_TEST_SUITE(MailboxContract, contract::Backends, contract::BackendNames);

// ---- org units and users ----

TYPED_TEST(MailboxContract, OrgUnitPathsAreRelativeToTheRootAndStayInIt) {
    this->backend_.mkdir("/ime/a");
    this->backend_.mkdir("/other");
    this->backend_.write("/file", "x");
    const auto ime = this->org("/ime").dir;
    for (const char* same : {"ime", "//ime/", "./ime/.", "/ime/a/.."}) {
        EXPECT_EQ(this->org(same).dir, ime) << same;
    }
    EXPECT_EQ(this->org("/").dir, this->org("").dir);
    for (const char* bad : {"/nope", "/file", "/file/x", "..", "/../outside", "a/../../x",
                            ".xsime-tmp", "/.xsime-tmp/"}) {
        EXPECT_TRUE(this->org_refused(bad)) << bad;
    }
    EXPECT_TRUE(this->org_refused(std::string("ime\0/x", 6)));
    this->backend_.symlink("/out", "../outside");
    this->backend_.symlink("/dangling", "../outside/nowhere");
    this->backend_.symlink("/alias", "/ime");
    EXPECT_TRUE(this->org_refused("/out"));
    EXPECT_TRUE(this->org_refused("/out/victim"));
    EXPECT_TRUE(this->org_refused("/out/nowhere"));
    EXPECT_TRUE(this->org_refused("/dangling"));
    EXPECT_EQ(this->org("/alias").dir, ime) << "a symlink that stays inside is followed";
    EXPECT_TRUE(this->backend_.outside_untouched());
}

TYPED_TEST(MailboxContract, UserOpensCreatesItsFoldersAndIsNormalised) {
    this->backend_.mkdir("/ime/alice");
    this->backend_.mkdir("/ime/team/dave");
    const auto unit = this->org("/ime");
    const auto alice = this->user(unit, "/alice/");
    EXPECT_EQ(alice.name, "alice");
    EXPECT_EQ(alice.messages, alice.dir / "messages");
    EXPECT_TRUE(this->backend_.exists("/ime/alice/messages/blacklist"));
    EXPECT_EQ(this->user(unit, "./team//dave/").name, "team/dave");
    this->backend_.mkdir("/ime/" + std::string(128, 'u'));
    this->backend_.mkdir("/ime/" + std::string(129, 'u'));
    EXPECT_EQ(this->user(unit, std::string(128, 'u')).name, std::string(128, 'u'));
    EXPECT_TRUE(this->user_refused(unit, std::string(129, 'u')));
}

TYPED_TEST(MailboxContract, UserRefusals) {
    this->backend_.mkdir("/ime/a");
    this->backend_.mkdir("/ime/carol");
    this->backend_.mkdir("/other/bob");
    this->backend_.write("/ime/file", "x");
    this->backend_.symlink("/ime/self", "/ime");
    this->backend_.symlink("/ime/bob", "/other/bob");
    this->backend_.symlink("/ime/victim", "../outside/victim");
    this->backend_.symlink("/ime/caz", "/ime/carol");
    const auto unit = this->org("ime");
    for (const char* bad : {"", "/", ".", "a/..", "self", "nobody", "file", "../other/bob",
                            "x/../../other/bob", "bob", "victim"}) {
        EXPECT_TRUE(this->user_refused(unit, bad)) << "'" << bad << "'";
    }
    EXPECT_TRUE(this->user_refused(unit, std::string("a\0", 2)));
    EXPECT_FALSE(this->backend_.exists("/other/bob/messages"));
    EXPECT_EQ(this->user(unit, "caz").dir, this->user(unit, "carol").dir);
    EXPECT_TRUE(this->backend_.outside_untouched());
}

TYPED_TEST(MailboxContract, UserWhoseMessagesIsASymlinkOrAFileIsRefused) {
    this->backend_.mkdir("/ime/alice");
    this->backend_.mkdir("/ime/bob/messages");
    this->backend_.mkdir("/ime/carol");
    this->backend_.mkdir("/ime/elsewhere");
    this->backend_.symlink("/ime/alice/messages", "/ime/elsewhere");
    this->backend_.symlink("/ime/bob/messages/blacklist", "/ime/elsewhere");
    this->backend_.write("/ime/carol/messages", "not a folder");
    const auto unit = this->org("ime");
    for (const char* name : {"alice", "bob", "carol"}) {
        EXPECT_TRUE(this->user_refused(unit, name)) << name;
    }
    EXPECT_TRUE(this->backend_.names("/ime/elsewhere").empty());
}

// ---- delivery ----

TYPED_TEST(MailboxContract, DeliverToRecipientsOnceEachNamedByTimestamp) {
    for (const char* name : {"/ime/alice", "/ime/bob", "/ime/team/dave"}) {
        this->backend_.mkdir(name);
    }
    this->backend_.symlink("/ime/robert", "/ime/bob");
    const auto unit = this->org("/ime");
    const std::string content = "1700000001:alice:hi\n\0!";
    const auto report = this->deliver(
        unit, "alice", {"bob", "/bob", "./bob", "robert", "x/../bob", "alice", "/team/dave/"},
        1700000001, content);
    EXPECT_EQ(report.delivered, 3u);
    EXPECT_EQ(report.missing, 0u);
    for (const char* name : {"alice", "bob", "team/dave"}) {
        const auto u = this->user(unit, name);
        const auto list = this->scan(u);
        ASSERT_EQ(list.size(), 1u) << name;
        EXPECT_EQ(list[0].timestamp, 1700000001u);
        EXPECT_TRUE(std::regex_match(list[0].name, std::regex("1700000001-[0-9]{20}")))
            << list[0].name;
        EXPECT_EQ(this->box().read(u, list[0]), content);
    }
    this->deliver(unit, "alice", {"bob"}, 5, "five");
    const auto list = this->scan(this->user(unit, "bob"));
    ASSERT_EQ(list.size(), 2u);
    EXPECT_TRUE(std::regex_match(list[0].name, std::regex("0000000005-[0-9]{20}")));
}

TYPED_TEST(MailboxContract, DeliverCountsMissingRecipientsAndWritesNothingForThem) {
    this->backend_.mkdir("/ime/bob");
    this->backend_.mkdir("/ime/carol");
    this->backend_.write("/ime/file", "x");
    this->backend_.symlink("/ime/carol/messages", "/ime/bob");
    const auto unit = this->org("ime");
    const auto report = this->deliver(
        unit, "alice", {"ghost", "bob", "file", std::string(129, 'g'), "/", "ghost/", "carol"}, 1,
        "m");
    EXPECT_EQ(report.delivered, 1u);
    EXPECT_EQ(report.missing, 5u) << "ghost once; the org unit, a file, a long name, carol";
    EXPECT_FALSE(this->backend_.exists("/ime/messages"));
    EXPECT_FALSE(this->backend_.exists("/ime/ghost"));
    EXPECT_EQ(this->backend_.names("/ime/bob/messages").size(), 2u) << "blacklist/ and one";
    EXPECT_EQ(this->deliver(unit, "alice", {"ghost"}, 1, "m").missing, 1u);
}

TYPED_TEST(MailboxContract, DeliverWithARecipientEscapingDeliversNothing) {
    this->backend_.mkdir("/ime/bob");
    this->backend_.mkdir("/other/carol");
    this->backend_.symlink("/ime/carol", "/other/carol");
    this->backend_.symlink("/ime/out", "../outside");
    const auto unit = this->org("ime");
    for (const std::string& bad :
         {std::string("../other/carol"), std::string("a/../../x"), std::string("carol"),
          std::string("out/victim"), std::string("out/nowhere"), std::string("b\0", 2)}) {
        const auto result =
            this->box().deliver(unit, "alice", std::vector<std::string>{"bob", bad}, 1, "m");
        ASSERT_TRUE(std::holds_alternative<MailboxError>(result)) << bad;
        EXPECT_FALSE(std::get<MailboxError>(result).reason.empty());
    }
    EXPECT_FALSE(this->backend_.exists("/ime/bob/messages"));
    EXPECT_FALSE(this->backend_.exists("/other/carol/messages"));
    EXPECT_TRUE(this->backend_.outside_untouched());
}

TYPED_TEST(MailboxContract, DeliverSkipsBlacklistingRecipients) {
    for (const char* name : {"/ime/alice", "/ime/bob/messages/blacklist", "/ime/carol"}) {
        this->backend_.mkdir(name);
    }
    this->backend_.write("/ime/bob/messages/blacklist/alice", "");
    this->backend_.mkdir("/ime/carol/messages/blacklist/alice"); // any kind of entry blocks
    const auto unit = this->org("ime");
    const auto report = this->deliver(unit, "/alice", {"bob", "carol", "alice"}, 1, "m");
    EXPECT_EQ(report.delivered, 1u);
    EXPECT_EQ(report.blacklisted, 2u);
    EXPECT_TRUE(this->scan(this->user(unit, "bob")).empty());
    EXPECT_EQ(this->deliver(unit, "dave", {"bob"}, 1, "m").delivered, 1u);
    EXPECT_EQ(this->scan(this->user(unit, "bob")).size(), 1u);
}

// ---- scanning, reading, removing ----

TYPED_TEST(MailboxContract, ScanListsRegularTimestampedFilesInDeliveryOrder) {
    this->backend_.mkdir("/ime/bob");
    const auto unit = this->org("ime");
    const auto bob = this->user(unit, "bob");
    this->deliver(unit, "alice", {"bob"}, 1700000030, "c");
    this->deliver(unit, "alice", {"bob"}, 1700000010, "a");
    for (int i = 0; i < 20; ++i) {
        this->deliver(unit, "alice", {"bob"}, 1700000020, "b" + std::to_string(i));
    }
    this->backend_.write("/ime/bob/messages/1700000000-fixture", "fixture");
    this->backend_.write("/ime/bob/messages/.1600000000-hidden", "x");
    this->backend_.write("/ime/bob/messages/notes.txt", "x");
    this->backend_.mkdir("/ime/bob/messages/1500000000-folder");
    this->backend_.symlink("/ime/bob/messages/1400000000-link",
                           "/ime/bob/messages/1700000000-fixture");
    this->backend_.special("/ime/bob/messages/1300000000-fifo");
    std::vector<std::string> expected = {"fixture", "a"};
    for (int i = 0; i < 20; ++i) {
        expected.push_back("b" + std::to_string(i));
    }
    expected.emplace_back("c");
    EXPECT_EQ(this->contents(bob), expected);
    EXPECT_EQ(this->scan(bob).front(), (StoredMessage{"1700000000-fixture", 1700000000}));
}

TYPED_TEST(MailboxContract, ScanMemoNeverHidesAChange) {
    this->backend_.mkdir("/ime/bob");
    const auto unit = this->org("ime");
    const auto bob = this->user(unit, "bob");
    ScanMemo memo;
    ASSERT_TRUE(this->box().scan(bob, memo).has_value());
    this->deliver(unit, "alice", {"bob"}, 1, "one");
    auto list = this->box().scan(bob, memo);
    ASSERT_TRUE(list.has_value()) << "a delivery changes the folder";
    ASSERT_EQ(list->size(), 1u);
    this->box().remove(bob, list->front());
    list = this->box().scan(bob, memo);
    ASSERT_TRUE(list.has_value()) << "a removal changes the folder";
    EXPECT_TRUE(list->empty());
}

TYPED_TEST(MailboxContract, ReadAndRemoveStayInMessages) {
    this->backend_.mkdir("/ime/bob");
    const auto unit = this->org("ime");
    const auto bob = this->user(unit, "bob");
    this->backend_.write("/ime/bob/secret", "s");
    this->backend_.write("/ime/bob/messages/1-x", "x");
    this->backend_.symlink("/ime/bob/messages/2-link", "/ime/bob/secret");
    this->backend_.special("/ime/bob/messages/3-fifo");
    EXPECT_EQ(this->box().read(bob, {"1-x", 1}), "x");
    for (const char* bad : {"../secret", "", "..", "2-link", "3-fifo", "9-none"}) {
        EXPECT_EQ(this->box().read(bob, {bad, 0}), std::nullopt) << bad;
    }
    this->box().remove(bob, {"../secret", 0});
    EXPECT_TRUE(this->backend_.exists("/ime/bob/secret"));
    this->box().remove(bob, {"1-x", 1});
    this->box().remove(bob, {"1-x", 1}); // already gone: no error
    EXPECT_FALSE(this->backend_.exists("/ime/bob/messages/1-x"));
    EXPECT_EQ(this->box().read(bob, {"1-x", 1}), std::nullopt);
}

// ---- TF file commands: MKDIR, TOUCH, DEL, RMDIR ----

using FileOp = std::optional<MailboxError> (Mailbox::*)(std::string_view);
constexpr FileOp file_ops[] = {&Mailbox::make_folder, &Mailbox::touch_file, &Mailbox::delete_file,
                               &Mailbox::remove_folder};

TYPED_TEST(MailboxContract, FileCommandsRefuseBadPathsAndSymlinksOnTheWay) {
    this->backend_.mkdir("/org/real");
    this->backend_.symlink("/out", "../outside");
    this->backend_.symlink("/alias", "/org");
    for (const FileOp op : file_ops) {
        Mailbox& box = this->box();
        const auto refusal = [&](std::string_view path) { return this->refusal((box.*op)(path)); };
        EXPECT_EQ(refusal("org/x"), "path does not begin with '/'");
        EXPECT_EQ(refusal(""), "path does not begin with '/'");
        EXPECT_EQ(refusal(std::string("/org/x\0y", 8)), "path contains a NUL byte");
        EXPECT_EQ(refusal("/org/../../outside"), "'..' climbs out of the root");
        EXPECT_EQ(refusal("/"), "names the root itself");
        EXPECT_EQ(refusal("/org/.."), "names the root itself");
        EXPECT_EQ(refusal("/.xsime-tmp/x"), "'/.xsime-tmp' is the server's temporary folder");
        EXPECT_EQ(refusal("/out/victim/x"), "'/out' is a symlink");
        EXPECT_EQ(refusal("/alias/real"), "'/alias' is a symlink");
    }
    EXPECT_TRUE(this->backend_.exists("/org/real"));
    EXPECT_TRUE(this->backend_.names("/org/real").empty());
    EXPECT_TRUE(this->backend_.outside_untouched());
}

TYPED_TEST(MailboxContract, MkdirMakesOneFolder) {
    Mailbox& box = this->box();
    EXPECT_EQ(this->refusal(box.make_folder("/org")), "(done)");
    EXPECT_EQ(this->refusal(box.make_folder("//org/./my user/")), "(done)");
    EXPECT_EQ(this->refusal(box.make_folder("/org/x/../c")), "(done)");
    EXPECT_EQ(this->backend_.names("/org"), (std::vector<std::string>{"c", "my user"}));
    EXPECT_EQ(this->refusal(box.make_folder("/org/a/b")), "parent folder does not exist");
    EXPECT_EQ(this->refusal(box.make_folder("/org/c")), "already exists");
    this->backend_.write("/org/file", "x");
    this->backend_.symlink("/org/link", "../outside");
    EXPECT_EQ(this->refusal(box.make_folder("/org/file")), "already exists");
    EXPECT_EQ(this->refusal(box.make_folder("/org/link")), "already exists");
    EXPECT_EQ(this->refusal(box.make_folder("/org/file/x")), "'/org/file' is not a folder");
}

TYPED_TEST(MailboxContract, TouchCreatesOrKeepsARegularFileOnly) {
    this->backend_.mkdir("/org/folder");
    this->backend_.write("/org/kept", "content");
    Mailbox& box = this->box();
    EXPECT_EQ(this->refusal(box.touch_file("/org/new")), "(done)");
    EXPECT_EQ(this->backend_.content("/org/new"), "");
    EXPECT_EQ(this->refusal(box.touch_file("/org/kept")), "(done)");
    EXPECT_EQ(this->backend_.content("/org/kept"), "content");
    this->backend_.special("/org/fifo");
    this->backend_.symlink("/org/link", "/org/kept");
    this->backend_.symlink("/org/dangling", "../outside/nowhere");
    EXPECT_EQ(this->refusal(box.touch_file("/org/missing/x")), "parent folder does not exist");
    EXPECT_EQ(this->refusal(box.touch_file("/org/folder")), "is a folder");
    EXPECT_EQ(this->refusal(box.touch_file("/org/fifo")), "is not a regular file");
    EXPECT_EQ(this->refusal(box.touch_file("/org/link")), "is a symlink");
    EXPECT_EQ(this->refusal(box.touch_file("/org/dangling")), "is a symlink");
    EXPECT_TRUE(this->backend_.outside_untouched());
}

TYPED_TEST(MailboxContract, DelRemovesAFileOrALinkItself) {
    this->backend_.mkdir("/org/folder");
    this->backend_.write("/org/file name", "x");
    this->backend_.write("/org/target", "t");
    this->backend_.symlink("/org/link", "/org/target");
    this->backend_.symlink("/org/dirlink", "../outside/victim");
    Mailbox& box = this->box();
    for (const char* path : {"/org/file name", "/org/link", "/org/dirlink"}) {
        EXPECT_EQ(this->refusal(box.delete_file(path)), "(done)") << path;
        EXPECT_FALSE(this->backend_.exists(path)) << path;
    }
    EXPECT_EQ(this->backend_.content("/org/target"), "t");
    EXPECT_EQ(this->refusal(box.delete_file("/org/folder")), "is a folder (RMDIR removes folders)");
    EXPECT_EQ(this->refusal(box.delete_file("/org/nope")), "does not exist");
    EXPECT_EQ(this->refusal(box.delete_file("/nope/x")), "parent folder does not exist");
    EXPECT_TRUE(this->backend_.outside_untouched());
}

TYPED_TEST(MailboxContract, RmdirRemovesATreeAndSymlinksInItAsLinks) {
    this->backend_.mkdir("/org/u/messages/blacklist");
    this->backend_.mkdir("/org/keep");
    this->backend_.write("/org/keep/kept", "k");
    this->backend_.write("/org/u/messages/1700000000-x", "1700000000:a:hi");
    this->backend_.write("/org/u/messages/blacklist/mallory", "");
    this->backend_.symlink("/org/u/out", "../outside/victim");
    this->backend_.symlink("/org/u/messages/in", "/org/keep");
    this->backend_.write("/org/file", "x");
    this->backend_.symlink("/org/link", "/org/keep");
    Mailbox& box = this->box();
    EXPECT_EQ(this->refusal(box.remove_folder("/org/u")), "(done)");
    EXPECT_FALSE(this->backend_.exists("/org/u"));
    EXPECT_EQ(this->backend_.content("/org/keep/kept"), "k");
    EXPECT_EQ(this->refusal(box.remove_folder("/org/file")), "is not a folder");
    EXPECT_EQ(this->refusal(box.remove_folder("/org/link")), "is a symlink");
    EXPECT_EQ(this->refusal(box.remove_folder("/org/nope")), "does not exist");
    EXPECT_EQ(this->refusal(box.remove_folder("/nope/x")), "parent folder does not exist");
    EXPECT_TRUE(this->backend_.exists("/org/link"));
    EXPECT_TRUE(this->backend_.outside_untouched());
}

TYPED_TEST(MailboxContract, RmdirStopsAtATreeTooDeep) {
    std::string deep = "/org";
    for (int level = 0; level < 129; ++level) {
        deep += "/d";
    }
    this->backend_.mkdir(deep);
    const auto reason = this->refusal(this->box().remove_folder("/org"));
    EXPECT_NE(reason.find("is nested more than 128 folders deep"), std::string::npos) << reason;
    EXPECT_TRUE(this->backend_.exists("/org/d"));
    EXPECT_EQ(this->refusal(this->box().delete_file(deep.substr(0, deep.size() - 2) + "/d")),
              "is a folder (RMDIR removes folders)");
    EXPECT_EQ(this->refusal(this->box().remove_folder(deep)), "(done)");
    EXPECT_EQ(this->refusal(this->box().remove_folder("/org")), "(done)");
    EXPECT_FALSE(this->backend_.exists("/org"));
}

// ---- the read-only commands: FSTAT, LS, LSR ----

TYPED_TEST(MailboxContract, FstatGivesTypeSizeAndTimesOrACode) {
    this->backend_.mkdir("/ime/alice");
    const auto before = unix_now();
    this->backend_.write("/ime/alice/notes", "twelve bytes");
    this->backend_.special("/ime/fifo");
    this->backend_.symlink("/link", "/ime");
    Mailbox& box = this->box();
    const auto notes = box.file_status("/ime/alice/notes");
    ASSERT_TRUE(std::holds_alternative<FileStatus>(notes)) << this->failure(notes);
    const auto& st = std::get<FileStatus>(notes);
    EXPECT_EQ(st.type, 'F');
    EXPECT_EQ(st.size, 12u);
    EXPECT_GE(st.mtime + 1, before);
    EXPECT_LE(st.mtime, unix_now() + 1);
    for (const char* folder : {"/ime", "/", "//ime/alice/.."}) {
        const auto status = box.file_status(folder);
        ASSERT_TRUE(std::holds_alternative<FileStatus>(status)) << folder;
        EXPECT_EQ(std::get<FileStatus>(status).type, 'D');
    }
    EXPECT_EQ(std::get<FileStatus>(box.file_status("/ime/fifo")).type, 'U');
    EXPECT_EQ(this->failure(box.file_status("/ime/nobody")), "9 '/ime/nobody' does not exist");
    EXPECT_EQ(this->failure(box.file_status("/nope/x")), "9 '/nope' does not exist");
    EXPECT_EQ(this->failure(box.file_status("/ime/alice/notes/x")),
              "9 '/ime/alice/notes' is not a folder");
    EXPECT_EQ(this->failure(box.file_status("/../x")), "1 '..' climbs out of the root");
    EXPECT_EQ(this->failure(box.file_status("/link")), "1 '/link' is a symlink");
    EXPECT_EQ(this->failure(box.file_status("/link/alice")), "1 '/link' is a symlink");
    EXPECT_EQ(this->failure(box.file_status("/.xsime-tmp")),
              "1 '/.xsime-tmp' is the server's temporary folder");
    EXPECT_EQ(this->failure(box.file_status("ime")), "1 path does not begin with '/'");
}

TYPED_TEST(MailboxContract, LsAndLsrListSortedNeverFollowingASymlink) {
    this->backend_.mkdir("/ime/alice/messages/blacklist");
    this->backend_.mkdir("/ime/bob");
    this->backend_.write("/ime/alice/messages/m1", "x");
    this->backend_.write("/ime/alice/messages/blacklist/mallory", "");
    this->backend_.symlink("/ime/alice/messages/link", "/ime");
    Mailbox& box = this->box();
    using Entries = std::vector<ListEntry>;
    const auto ls = box.list_folder("/ime/alice/messages", false);
    ASSERT_TRUE(std::holds_alternative<Entries>(ls)) << this->failure(ls);
    EXPECT_EQ(std::get<Entries>(ls), (Entries{{'D', "blacklist"}, {'U', "link"}, {'F', "m1"}}));
    const auto lsr = box.list_folder("/ime/alice", true);
    ASSERT_TRUE(std::holds_alternative<Entries>(lsr)) << this->failure(lsr);
    EXPECT_EQ(std::get<Entries>(lsr), (Entries{{'D', "messages"},
                                               {'D', "messages/blacklist"},
                                               {'F', "messages/blacklist/mallory"},
                                               {'U', "messages/link"},
                                               {'F', "messages/m1"}}));
    EXPECT_EQ(std::get<Entries>(box.list_folder("/ime/bob", true)), Entries{});
    EXPECT_EQ(std::get<Entries>(box.list_folder("/", false)), (Entries{{'D', "ime"}}))
        << "the temporary folder is not listed";
    EXPECT_EQ(this->failure(box.list_folder("/ime/none", false)), "10 '/ime/none' does not exist");
    EXPECT_EQ(this->failure(box.list_folder("/ime/alice/messages/m1", true)),
              "10 '/ime/alice/messages/m1' is not a folder");
    EXPECT_EQ(this->failure(box.list_folder("/ime/alice/messages/link", false)),
              "1 '/ime/alice/messages/link' is a symlink");
    EXPECT_EQ(this->failure(box.list_folder("/ime/alice/messages/link/bob", true)),
              "1 '/ime/alice/messages/link' is a symlink");
    EXPECT_EQ(this->failure(box.list_folder("/ime/../..", false)), "1 '..' climbs out of the root");
    EXPECT_EQ(this->failure(box.list_folder("/.xsime-tmp", false)),
              "1 '/.xsime-tmp' is the server's temporary folder");
}

} // namespace
} // namespace xsime::mock
