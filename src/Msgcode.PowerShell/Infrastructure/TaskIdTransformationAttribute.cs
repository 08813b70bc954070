using System.Collections;
using System.Management.Automation;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Turns what is given or piped to a task id parameter into task ids: a string is an id (or id prefix) as it is, and any
/// other object names its task by its <c>TaskId</c> property (runs, job runs, worktrees, patches, memory notes) or else its
/// <c>Id</c> property (tasks). An object with neither is refused, and so is one whose TaskId is empty (a job run that made
/// no task).
/// </summary>
/// <remarks>
/// Why this exists: a <c>[string]</c> parameter that takes pipeline input by value takes any object by its string form
/// (PowerShell's last binding pass converts with ToString), so <c>Get-MsgcodeTaskRun -Last 1 | Get-MsgcodeTask</c> bound
/// the run's text as an id (TaskIdInvalid) before TaskId could bind by property name. Running first, in the by-value pass,
/// this attribute makes every pipeline object bind by what it says its task is, and the string form never reaches -Id.
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TaskIdTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>The property names that name a task, in the order they are looked for.</summary>
    private static readonly string[] IdProperties = ["TaskId", "Id"];

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = Unwrap(inputData);
        if (value is null or string or string[])
        {
            return value;
        }

        if (value is IList list)
        {
            var ids = new string[list.Count];
            for (var i = 0; i < list.Count; i++)
            {
                ids[i] = IdOf(list[i]);
            }

            return ids;
        }

        return IdOf(inputData);
    }

    private static string IdOf(object? item)
    {
        var value = Unwrap(item);
        if (value is string id)
        {
            return id;
        }

        if (value is null)
        {
            throw new ArgumentTransformationMetadataException("A task id cannot be null.");
        }

        var typeName = value.GetType().Name;
        var wrapped = PSObject.AsPSObject(item!);
        foreach (var name in IdProperties)
        {
            if (wrapped.Properties[name] is { } property)
            {
                return property.Value is { } named && Unwrap(named) is string text && text.Length > 0
                    ? text
                    : throw new ArgumentTransformationMetadataException(
                        $"This {typeName} names no task (its {property.Name} is empty): there is no task to act on.");
            }
        }

        throw new ArgumentTransformationMetadataException(
            $"A {typeName} names no task: give a task id, or pipe objects that have a TaskId or Id property (tasks, runs, job runs, worktrees, patches).");
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
