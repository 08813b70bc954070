using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// The module's private load context. Msgcode.Core and every third-party assembly it uses
/// (LibGit2Sharp, ...) load here from the module's <c>Dependencies</c> folder, so another module's
/// copy of the same library in the same session neither wins nor clashes. Native libraries (libgit2)
/// are found under <c>Dependencies/runtimes/&lt;rid&gt;/native</c>, which PowerShell does not probe for
/// module-loaded assemblies.
/// </summary>
internal sealed class MsgcodeLoadContext : AssemblyLoadContext
{
    public const string DependencyFolder = "Dependencies";

    private static readonly Lazy<MsgcodeLoadContext> Shared = new(() => new MsgcodeLoadContext());

    private readonly string _dependencies;

    private MsgcodeLoadContext()
        : base("Msgcode", isCollectible: false)
    {
        var moduleFolder = Path.GetDirectoryName(typeof(MsgcodeLoadContext).Assembly.Location)!;
        _dependencies = Path.Combine(moduleFolder, DependencyFolder);
    }

    public static MsgcodeLoadContext Instance => Shared.Value;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var candidate = Path.Combine(_dependencies, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null; // null: the framework's copy
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var candidate in NativeCandidates(unmanagedDllName))
        {
            if (File.Exists(candidate))
            {
                return LoadUnmanagedDllFromPath(candidate);
            }
        }

        return IntPtr.Zero;
    }

    /// <summary>Paths where a native library may live, most specific runtime identifier first.</summary>
    internal IEnumerable<string> NativeCandidates(string name)
    {
        var fileNames = FileNamesFor(name);
        foreach (var rid in RuntimeIdentifiers())
        {
            var folder = Path.Combine(_dependencies, "runtimes", rid, "native");
            foreach (var fileName in fileNames)
            {
                yield return Path.Combine(folder, fileName);
            }
        }

        foreach (var fileName in fileNames)
        {
            yield return Path.Combine(_dependencies, fileName);
        }
    }

    private static List<string> FileNamesFor(string name)
    {
        if (Path.HasExtension(name) && (name.EndsWith(".so", StringComparison.Ordinal) || name.EndsWith(".dylib", StringComparison.Ordinal) || name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
        {
            return [name];
        }

        if (OperatingSystem.IsWindows())
        {
            return [name + ".dll", name];
        }

        var extension = OperatingSystem.IsMacOS() ? ".dylib" : ".so";
        var list = new List<string> { name + extension, "lib" + name + extension };
        if (name.StartsWith("lib", StringComparison.Ordinal))
        {
            list.Add(name[3..] + extension);
        }

        return list;
    }

    /// <summary>linux-x64, linux-musl-x64, osx-arm64, win-x64, ... for this process.</summary>
    internal static IEnumerable<string> RuntimeIdentifiers()
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (OperatingSystem.IsWindows())
        {
            yield return "win-" + arch;
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return "osx-" + arch;
        }
        else
        {
            if (IsMusl())
            {
                yield return "linux-musl-" + arch;
            }

            yield return "linux-" + arch;
        }
    }

    private static bool IsMusl()
    {
        try
        {
            return Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
