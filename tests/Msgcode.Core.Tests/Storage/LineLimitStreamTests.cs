using System.Text;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tests.Storage;

public class LineLimitStreamTests
{
    [Fact]
    public void Lines_under_the_limit_pass_whole_whatever_the_reads()
    {
        var text = string.Concat(Enumerable.Repeat(new string('a', 90) + "\n", 50));
        using var stream = new LineLimitStream(new MemoryStream(Encoding.ASCII.GetBytes(text)), 100);
        var buffer = new byte[7];
        var all = new MemoryStream();
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        Assert.Equal(text, Encoding.ASCII.GetString(all.ToArray()));
    }

    [Fact]
    public async Task A_line_past_the_limit_ends_the_stream_even_across_reads()
    {
        var bytes = Encoding.ASCII.GetBytes("short\n" + new string('x', 300));
        using var stream = new LineLimitStream(new MemoryStream(bytes), 100);
        var buffer = new byte[64];
        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        });
        Assert.Contains("100", error.Message, StringComparison.Ordinal);
    }
}
