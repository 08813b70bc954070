using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Msgcode.Core.Tests;

/// <summary>
/// Core's folders are layers that only point down, in the order docs/architecture.md's Layout table gives. The check reads the
/// built assembly (every signature, field, attribute and instruction of every type, compiler-made ones included),
/// so no reference hides in a fully qualified name or a lambda.
/// </summary>
public class ArchitectureTests
{
    private const string Root = "Msgcode.Core.";

    /// <summary>The layers, lowest first, from docs/architecture.md's Layout row for src/Msgcode.Core: the one place they are written.</summary>
    internal static IReadOnlyList<string> Layers()
    {
        var page = Path.Combine(RepositoryRoot(), "docs", "architecture.md");
        var row = File.ReadLines(page).Single(l => l.StartsWith("| `src/Msgcode.Core` |", StringComparison.Ordinal));
        var text = row["| `src/Msgcode.Core` |".Length..];
        return System.Text.RegularExpressions.Regex.Matches(text, "`([A-Z][A-Za-z]+)`").Select(m => m.Groups[1].Value).ToList();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Msgcode.PowerShell.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Msgcode.PowerShell.sln) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>The layer a namespace belongs to (Msgcode.Core.Tasks.X → Tasks), or null outside Msgcode.Core.</summary>
    private static string? LayerOf(string? ns)
        => ns is not null && ns.StartsWith(Root, StringComparison.Ordinal) ? ns[Root.Length..].Split('.')[0] : null;

    /// <summary>Every upward use in the assembly at <paramref name="path"/>: "Tasks.TaskExecution uses Daemon.WorkQueue".</summary>
    internal static List<string> UpwardReferences(string path, IReadOnlyList<string> layers)
    {
        using var module = ModuleDefinition.ReadModule(path);
        var problems = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in module.GetTypes())
        {
            var owner = TopLevel(type);
            var from = LayerOf(owner.Namespace);
            if (from is null)
            {
                continue; // <Module>, compiler-made helpers outside any namespace
            }

            var rank = IndexOf(layers, from);
            foreach (var used in Referenced(type))
            {
                var usedTop = used is TypeDefinition or TypeReference ? TopLevelName(used) : used;
                var to = LayerOf(usedTop.Namespace);
                if (to is not null && to != from && IndexOf(layers, to) > rank)
                {
                    problems.Add($"{from}.{owner.Name} uses {to}.{usedTop.Name}");
                }
            }
        }

        return [.. problems];
    }

    private static int IndexOf(IReadOnlyList<string> layers, string layer)
    {
        var index = layers.ToList().IndexOf(layer);
        return index >= 0 ? index : throw new Xunit.Sdk.XunitException($"The namespace Msgcode.Core.{layer} is not a layer in docs/architecture.md's Layout table; add its folder to the list in its place.");
    }

    private static TypeDefinition TopLevel(TypeDefinition type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static TypeReference TopLevelName(TypeReference type)
    {
        type = type.GetElementType();
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    /// <summary>The types <paramref name="type"/> names anywhere: base, interfaces, attributes, members, signatures and IL.</summary>
    private static IEnumerable<TypeReference> Referenced(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null:
                    return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Add(argument);
                    }

                    return;
                case TypeSpecification spec:
                    Add(spec.ElementType);
                    return;
                case GenericParameter:
                    return;
                default:
                    found.Add(t);
                    return;
            }
        }

        void Attributes(ICustomAttributeProvider provider)
        {
            foreach (var attribute in provider.CustomAttributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments)
                {
                    Add(argument.Type);
                    Add(argument.Value as TypeReference);
                }
            }
        }

        void Method(MethodReference method)
        {
            Add(method.DeclaringType);
            Add(method.ReturnType);
            foreach (var parameter in method.Parameters)
            {
                Add(parameter.ParameterType);
            }

            if (method is GenericInstanceMethod generic)
            {
                foreach (var argument in generic.GenericArguments)
                {
                    Add(argument);
                }
            }
        }

        Add(type.BaseType);
        Attributes(type);
        foreach (var implemented in type.Interfaces)
        {
            Add(implemented.InterfaceType);
        }

        foreach (var field in type.Fields)
        {
            Add(field.FieldType);
            Attributes(field);
        }

        foreach (var property in type.Properties)
        {
            Add(property.PropertyType);
            Attributes(property);
        }

        foreach (var evt in type.Events)
        {
            Add(evt.EventType);
        }

        foreach (var method in type.Methods)
        {
            Method(method);
            Attributes(method);
            if (!method.HasBody)
            {
                continue;
            }

            foreach (var variable in method.Body.Variables)
            {
                Add(variable.VariableType);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        Add(t);
                        break;
                    case MethodReference m:
                        Method(m);
                        break;
                    case FieldReference f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                }
            }
        }

        return found;
    }

    private static string CoreAssembly => typeof(Msgcode.Core.Errors.MsgcodeException).Assembly.Location;

    [Fact]
    public void Every_Core_namespace_is_a_layer_and_every_layer_a_folder()
    {
        var layers = Layers();
        Assert.Equal(15, layers.Count);
        using var module = ModuleDefinition.ReadModule(CoreAssembly);
        var namespaces = module.Types.Select(t => LayerOf(t.Namespace)).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(layers.Order(StringComparer.Ordinal), namespaces);
        var folders = Directory.GetDirectories(Path.Combine(RepositoryRoot(), "src", "Msgcode.Core")).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Order(StringComparer.Ordinal);
        Assert.Equal(layers.Order(StringComparer.Ordinal), folders);
    }

    [Fact]
    public void Core_layers_only_point_down()
    {
        var problems = UpwardReferences(CoreAssembly, Layers());
        Assert.True(problems.Count == 0, "Core uses a higher layer (docs/architecture.md's Layout gives the order):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Core_does_not_reference_PowerShell()
    {
        using var module = ModuleDefinition.ReadModule(CoreAssembly);
        Assert.DoesNotContain(module.AssemblyReferences, r => r.Name.StartsWith("System.Management.Automation", StringComparison.Ordinal) || r.Name.StartsWith("Microsoft.PowerShell", StringComparison.Ordinal));
    }

    [Fact]
    public void The_check_finds_uses_made_only_inside_method_bodies()
    {
        // With the order turned upside down, calls that appear only in IL (AtomicFile calls NativeFs in its
        // methods, its fields and signatures never name it) must come out as upward uses.
        var upsideDown = UpwardReferences(CoreAssembly, [.. Layers().Reverse()]);
        Assert.Contains("Storage.AtomicFile uses Platform.NativeFs", upsideDown);
        Assert.Contains("Tasks.TaskStore uses Errors.MsgcodeException", upsideDown);
    }
}
