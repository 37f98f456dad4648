using System.Reflection;
using Gale.Dags;
using Gale.Engine;
using Gale.Yaml;

namespace Gale.Host.Dags;

/// <summary>
/// Loads the DAGs this process knows: the C# DAGs compiled into the app (every public, concrete
/// <see cref="IDagDefinition"/> with a parameterless constructor) and the YAML DAGs in the DAGs folder.
/// A DAG that fails to load becomes an import error; the others still load.
/// </summary>
public static class DagDiscovery
{
    /// <summary>The default DAGs folder (relative to the current directory).</summary>
    public const string DefaultFolder = "dags";

    /// <summary>The <c>--dags-folder</c> option every DAG-loading command takes.</summary>
    public static System.CommandLine.Option<string> FolderOption() => new("--dags-folder")
    {
        Description = "Folder of YAML DAG files (C# DAGs are compiled in).",
        DefaultValueFactory = _ => DefaultFolder,
    };

    /// <summary>Loads C# DAGs from <paramref name="assemblies"/>, YAML DAGs from <paramref name="dagsFolder"/> and any extra YAML DAGs (e.g. from the dags blob container).</summary>
    public static (DagBag Bag, IReadOnlyList<DagImportError> Errors) Load(IEnumerable<Assembly> assemblies, string? dagsFolder, (IReadOnlyList<Dag> Dags, IReadOnlyList<DagImportError> Errors)? extra = null)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var dags = new Dictionary<string, Dag>(StringComparer.Ordinal);
        var errors = new List<DagImportError>();
        void Add(Dag dag, string source)
        {
            if (!dags.TryAdd(dag.DagId, dag))
            {
                errors.Add(new DagImportError(source, $"dag_id '{dag.DagId}' is already defined by {dags[dag.DagId].Settings.Fileloc}."));
            }
        }

        var types = assemblies.SelectMany(a => a.GetExportedTypes())
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IDagDefinition).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var type in types)
        {
            try
            {
                var dag = ((IDagDefinition)Activator.CreateInstance(type)!).Build();
                Add(new Dag(dag.Settings with { Fileloc = dag.Settings.Fileloc ?? type.FullName }, dag.TopologicalOrder), type.FullName!);
            }
            catch (Exception e) when (e is DagValidationException or TargetInvocationException or InvalidOperationException or ArgumentException)
            {
                errors.Add(new DagImportError(type.FullName!, (e as TargetInvocationException)?.InnerException?.Message ?? e.Message));
            }
        }

        if (dagsFolder is not null)
        {
            var (yamlDags, yamlErrors) = YamlDagLoader.LoadFolder(dagsFolder);
            foreach (var dag in yamlDags)
            {
                Add(dag, dag.Settings.Fileloc!);
            }

            errors.AddRange(yamlErrors);
        }

        if (extra is { } more)
        {
            foreach (var dag in more.Dags)
            {
                Add(dag, dag.Settings.Fileloc!);
            }

            errors.AddRange(more.Errors);
        }

        return (new DagBag(dags.Values), errors);
    }

    /// <summary>The DAGs compiled into this app plus the YAML DAGs in <paramref name="dagsFolder"/>.</summary>
    public static (DagBag Bag, IReadOnlyList<DagImportError> Errors) LoadAll(string? dagsFolder = DefaultFolder, (IReadOnlyList<Dag> Dags, IReadOnlyList<DagImportError> Errors)? extra = null) =>
        Load([typeof(DagDiscovery).Assembly], dagsFolder, extra);
}
