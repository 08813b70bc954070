using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Channels;

/// <summary>
/// What the daemon is made of, in one place: the work queue, the jobs that are queued into it and the chat channel
/// that takes messages into it and sends results back. It lives in the highest layer it wires together (Channels).
/// </summary>
public static class DaemonComposition
{
    /// <param name="runners">Asked once per run, so an edited capabilities.json applies without a restart.</param>
    public static DaemonHost Compose(MsgcodeHome home, string mode, Func<RunnerRegistry> runners, DaemonTestHooks hooks)
    {
        var queue = new WorkQueue(runners);
        // After the queue: it recovers its runs first, and jobs are queued into it.
        // A job that delivers to a chat needs the chat's route active when it fires (routes.json is read each time).
        var routes = new RouteStore(home);
        var jobs = new JobsComponent(queue) { TestKillAt = hooks.JobsKillAt, DeliveryRouteProblem = chat => JobDeliveries.RouteProblem(routes, chat) };
        var channel = new ChannelService(queue, ChannelServiceOptions.WithMemory(home) with { TestHoldCursor = hooks.ChannelHoldCursor, Jobs = jobs, TestReplyKillAt = hooks.ReplyKillAt });
        return new DaemonHost(new DaemonOptions
        {
            Home = home,
            Mode = mode,
            Queue = queue,
            Components = [queue, jobs, channel],
            IgnoreSigterm = hooks.IgnoreSigterm,
        });
    }
}
