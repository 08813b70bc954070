using Msgcode.Core.Memory;

namespace Msgcode.Core.Tests.Memory;

/// <summary>Search-MsgcodeMemory -Tag and the completion of tags: notes are kept only when they carry every tag given.</summary>
public class MemoryTagTests
{
    [Fact]
    public void Search_keeps_only_notes_that_carry_every_tag_and_Tags_lists_them_most_used_first()
    {
        using var dir = new TempDir();
        var store = new MemoryStore(dir.Path);
        store.Add("The staging database listens on 5433.", ["db", "staging"]);
        store.Add("The staging build server is ci.example.com.", ["ci", "staging"]);
        store.Add("The production database listens on 5432.", ["db", "prod"]);

        Assert.Equal(2, store.Search("database").Count);
        var staging = Assert.Single(store.Search("database", tags: ["staging"]));
        Assert.Contains("5433", staging.Text);
        Assert.Single(store.Search("listens", tags: ["#db", "prod"]));
        Assert.Empty(store.Search("database", tags: ["db", "ci"]));
        Assert.Empty(store.Search("database", tags: ["nope"]));
        Assert.Empty(store.Search("database", tags: ["#"]));

        Assert.Equal(["db", "staging", "ci", "prod"], store.Tags());
    }

    [Fact]
    public void Tags_of_a_workspace_without_memory_is_empty_and_makes_no_folder()
    {
        using var dir = new TempDir();
        Assert.Empty(new MemoryStore(dir.Path).Tags());
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "memory")));
    }
}
