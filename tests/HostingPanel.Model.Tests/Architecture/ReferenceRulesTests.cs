using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HostingPanel.Model.Tests.Architecture;

/// <summary>
/// The references docs/architecture.md allows, held by reading the project files, the built assemblies
/// and the engine's protocol sources: a new reference that breaks a rule fails here, with the file
/// that made it.
/// </summary>
public sealed partial class ReferenceRulesTests
{
    /// <summary>Project → the projects it may reference directly (docs/architecture.md, "Projects").</summary>
    private static readonly Dictionary<string, string[]> AllowedProjectReferences = new()
    {
        ["HostingPanel.Data"] = [],
        ["HostingPanel.Application"] = ["HostingPanel.Data"],
        ["HostingPanel.MailEngine"] = [],
        ["HostingPanel.Provisioning"] = ["HostingPanel.Application", "HostingPanel.Data", "HostingPanel.MailEngine"],
        ["HostingPanel.Web"] = ["HostingPanel.Application", "HostingPanel.Data", "HostingPanel.MailEngine", "HostingPanel.Provisioning",
            "HostingPanel.Migrations.Sqlite", "HostingPanel.Migrations.PostgreSql"],
        ["HostingPanel.Migrations.Sqlite"] = ["HostingPanel.Data"],
        ["HostingPanel.Migrations.PostgreSql"] = ["HostingPanel.Data"],
    };

    private static readonly string Root = FindRepositoryRoot();

    [Fact]
    public void EveryProductProject_ReferencesOnlyWhatTheArchitectureAllows()
    {
        var projects = Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "migrations"), "*.csproj", SearchOption.AllDirectories))
            .ToList();
        Assert.Equal(AllowedProjectReferences.Keys.Order(), projects.Select(Path.GetFileNameWithoutExtension).Order()!);
        foreach (var project in projects)
        {
            var name = Path.GetFileNameWithoutExtension(project);
            var referenced = XDocument.Load(project).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));
            var forbidden = referenced.Except(AllowedProjectReferences[name]).ToList();
            Assert.True(forbidden.Count == 0, $"{name} references {string.Join(", ", forbidden)}, which docs/architecture.md does not allow");
        }
    }

    [Theory]
    [InlineData("HostingPanel.MailEngine")]
    [InlineData("HostingPanel.Data")]
    public void TheEngineAndTheModel_ReferenceNoOtherHostingPanelAssembly(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var ours = assembly.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("HostingPanel", StringComparison.Ordinal)).Select(a => a.Name).ToList();
        Assert.True(ours.Count == 0, $"{assemblyName} references {string.Join(", ", ours)}");
    }

    [Fact]
    public void TheApplicationLayer_ReferencesOnlyTheModel()
    {
        var ours = Assembly.Load("HostingPanel.Application").GetReferencedAssemblies()
            .Select(a => a.Name!).Where(n => n.StartsWith("HostingPanel", StringComparison.Ordinal)).ToList();
        Assert.Equal(["HostingPanel.Data"], ours);
    }

    /// <summary>
    /// The engine's grammar stays apart from its sessions and storage, so that parsers can be fuzzed and
    /// tested byte by byte: no type in <c>HostingPanel.MailEngine.Protocol</c> names another part of the
    /// engine, neither in a signature (checked on the built assembly) nor in code (checked in the sources,
    /// by using directives and by qualified names, which C# also resolves relative to the parent namespace).
    /// </summary>
    [Fact]
    public void EngineProtocolGrammar_DependsOnNoOtherPartOfTheEngine()
    {
        const string Protocol = "HostingPanel.MailEngine.Protocol";
        var engine = Assembly.Load("HostingPanel.MailEngine");
        var problems = new List<string>();
        foreach (var type in engine.GetTypes().Where(t => t.Namespace?.StartsWith(Protocol, StringComparison.Ordinal) == true))
        {
            foreach (var used in SignatureTypes(type))
            {
                if (used.Assembly == engine && used.Namespace?.StartsWith(Protocol, StringComparison.Ordinal) == false)
                    problems.Add($"{type.FullName} uses {used.FullName} in a signature");
            }
        }

        var sources = Path.Combine(Root, "src", "HostingPanel.MailEngine", "Protocol");
        foreach (var file in Directory.EnumerateFiles(sources, "*.cs", SearchOption.AllDirectories))
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                var code = line.Split("//")[0];
                if (ForeignEngineReference().Match(code) is { Success: true } match)
                    problems.Add($"{Path.GetRelativePath(Root, file)}:{lineNumber} names {match.Value.Trim()}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// The rows of docs/architecture.md's "Inside the engine" table that hold today, checked the same way as the
    /// grammar's rule: a part of the engine names only itself and the parts its row allows, neither in a signature
    /// (the built assembly) nor in code (using directives and qualified names in its sources). A row whose rule does
    /// not hold yet is not listed here; adding it is how the table becomes true.
    /// </summary>
    [Theory]
    [InlineData("Storage", new[] { "Protocol", "Quotas", "Auth", "Hosting" })]
    [InlineData("Quotas", new[] { "Storage" })]
    [InlineData("Directory", new[] { "Storage" })]
    public void EnginePart_ReferencesOnlyThePartsTheArchitectureAllows(string part, string[] allowed)
    {
        const string Engine = "HostingPanel.MailEngine.";
        var permitted = allowed.Append(part).ToHashSet(StringComparer.Ordinal);
        var engine = Assembly.Load("HostingPanel.MailEngine");
        var problems = new List<string>();
        foreach (var type in engine.GetTypes().Where(t => PartOf(t.Namespace) == part))
        {
            foreach (var used in SignatureTypes(type))
            {
                if (used.Assembly == engine && PartOf(used.Namespace) is { } other && !permitted.Contains(other))
                    problems.Add($"{type.FullName} uses {used.FullName} in a signature");
            }
        }

        var sources = Path.Combine(Root, "src", "HostingPanel.MailEngine", part);
        foreach (var file in Directory.EnumerateFiles(sources, "*.cs", SearchOption.AllDirectories))
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                var code = line.Split("//")[0];
                foreach (Match match in EnginePartReference().Matches(code))
                {
                    var named = match.Groups["using"].Success ? match.Groups["using"].Value : match.Groups["qualified"].Value;
                    if (!permitted.Contains(named))
                        problems.Add($"{Path.GetRelativePath(Root, file)}:{lineNumber} names {match.Value.Trim()}, which {part} may not use");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        static string? PartOf(string? ns) =>
            ns is not null && ns.StartsWith(Engine, StringComparison.Ordinal) ? ns[Engine.Length..].Split('.')[0] : null;
    }

    /// <summary>A using directive of an engine namespace, or a name qualified by a part of the engine (not a member access).</summary>
    [GeneratedRegex(@"using\s+HostingPanel\.MailEngine\.(?<using>\w+)|(?<![\w.])(?:(?:HostingPanel\.)?MailEngine\.)?(?<qualified>Protocol|Storage|Sessions|Directory|Auth|Admin|Hosting|Outbound|Delivery|Quotas|Maintenance|Sieve|Dkim|Listeners|FrontDoor|Transfer)\.[A-Z]\w*")]
    private static partial Regex EnginePartReference();

    /// <summary>
    /// Engine services the panel still looks up by type where the engine may be absent, to be taken through the front
    /// door next (issue 25 item 1). This list may only shrink.
    /// </summary>
    private static readonly string[] EngineLookupsNotYetThroughTheFrontDoor = ["MailTlsCertificate", "MailEngineHealth", "IMxResolver", "IMailEngineAdmin"];

    /// <summary>
    /// The portal and the worker reach the engine through its front door (<c>MailEngineFrontDoor</c>), whose services
    /// exist on every node (stand-ins where the engine does not run): no <c>GetService&lt;T&gt;()</c> of an engine type
    /// that answers null on a node without the Mail role.
    /// </summary>
    [Fact]
    public void ThePanelAndTheWorker_LookUpNoEngineServiceThatMayBeNull()
    {
        var engineTypes = Assembly.Load("HostingPanel.MailEngine").GetTypes().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var project in new[] { "HostingPanel.Web", "HostingPanel.Provisioning", "HostingPanel.Application" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src", project), "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                var lineNumber = 0;
                foreach (var line in File.ReadLines(file))
                {
                    lineNumber++;
                    foreach (Match match in NullableServiceLookup().Matches(line))
                    {
                        var name = match.Groups[1].Value.Split('.')[^1];
                        if (engineTypes.Contains(name) && !EngineLookupsNotYetThroughTheFrontDoor.Contains(name))
                            problems.Add($"{Path.GetRelativePath(Root, file)}:{lineNumber} looks up {name}; use the engine's front door (MailEngineFrontDoor)");
                    }
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [GeneratedRegex(@"\bGetService<([\w.]+)>\(")]
    private static partial Regex NullableServiceLookup();

    [GeneratedRegex(@"(using\s+HostingPanel\.MailEngine\.(?!Protocol\b)\w+|\b(?:MailEngine\.)?(?:Storage|Sessions|Directory|Auth|Admin|Hosting|Outbound|Delivery|Quotas|Maintenance)\.[A-Z]\w*)")]
    private static partial Regex ForeignEngineReference();

    private static IEnumerable<Type> SignatureTypes(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        IEnumerable<Type> direct = [.. type.GetInterfaces(), .. type.BaseType is { } b ? [b] : Array.Empty<Type>()];
        direct = direct
            .Concat(type.GetFields(All).Select(f => f.FieldType))
            .Concat(type.GetProperties(All).Select(p => p.PropertyType))
            .Concat(type.GetMethods(All).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)))
            .Concat(type.GetConstructors(All).SelectMany(c => c.GetParameters().Select(p => p.ParameterType)));
        return direct.SelectMany(Unwrap).Distinct();
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType)
            return Unwrap(type.GetElementType()!);
        if (type.IsGenericType)
            return type.GetGenericArguments().SelectMany(Unwrap).Append(type.GetGenericTypeDefinition());
        return [type];
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HostingPanel.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("HostingPanel.sln not found above " + AppContext.BaseDirectory);
    }
}
