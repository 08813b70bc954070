using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Tests.Tasks;

public class TaskIdTests
{
    private const string Full = "tsk_01jd3k00000000000000k7q2m9";

    [Fact]
    public void Ids_made_together_share_their_beginning_but_not_their_short_form()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => TaskId.New()).ToList();
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal)); // still sortable by creation
        Assert.All(ids, id => Assert.Equal(ids[0][..12], id[..12]));
        Assert.Equal(ids.Count, ids.Select(TaskId.Short).Distinct().Count());
        Assert.True(TaskId.IsValid(Full));
        Assert.Equal("tsk_k7q2m9", TaskId.Short(Full));
    }

    [Theory]
    [InlineData("tsk_k7q2m9", true)]   // the short form
    [InlineData("tsk_k7q", true)]      // a beginning of it
    [InlineData("tsk_01jd3k", true)]   // a beginning of the full id
    [InlineData("tsk_q2m9", false)]    // the middle of the short form is not a beginning
    [InlineData("tsk_01jd3k00000000000000k7q2m8", false)]
    public void A_typed_id_names_a_task_by_a_beginning_of_its_id_or_of_its_short_form(string typed, bool matches)
        => Assert.Equal(matches, TaskId.Matches(Full, TaskId.NormalizePrefix(typed)));

    [Fact]
    public void A_short_id_resolves_and_an_ambiguous_one_is_TaskIdAmbiguous()
    {
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var a = store.Create("a", "p", "pwsh");
        var b = store.Create("b", "p", "pwsh");
        Assert.Equal(a.Id, store.Resolve(a.ShortId));
        Assert.Equal(b.Id, store.Resolve(b.ShortId.ToUpperInvariant()));
        Assert.Equal(ErrorIds.TaskIdAmbiguous, Assert.Throws<MsgcodeException>(() => store.Resolve(a.Id[..12])).ErrorId);
    }
}
