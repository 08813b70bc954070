using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Runs when the module is imported, before any cmdlet: sends requests for Msgcode.Core to the
/// module's private load context (its dependencies follow it there).
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string CoreAssemblyName = "Msgcode.Core";

    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveCore;

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveCore;

    private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name)
        => string.Equals(name.Name, CoreAssemblyName, StringComparison.Ordinal) ? MsgcodeLoadContext.Instance.LoadFromAssemblyName(name) : null;
}
