using System.Reflection;
using Gale.Dags;
using Gale.Engine;

namespace Gale.Functions.Dags;

/// <summary>A DAG file or type that failed to load, with the reason (Airflow's import errors).</summary>
/// <param name="Source">The file or type name.</param>
/// <param name="Error">What is wrong with it.</param>
public sealed record DagImportError(string Source, string Error);

/// <summary>Finds the C# DAGs compiled into the app: every public, concrete <see cref="IDagDefinition"/> with a parameterless constructor.</summary>
public static class DagDiscovery
{
    /// <summary>Builds every DAG defined in <paramref name="assemblies"/>; a DAG that fails to build becomes an import error and the rest still load.</summary>
    public static (DagBag Bag, IReadOnlyList<DagImportError> Errors) Load(IEnumerable<Assembly> assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var dags = new Dictionary<string, Dag>(StringComparer.Ordinal);
        var errors = new List<DagImportError>();
        var types = assemblies.SelectMany(a => a.GetExportedTypes())
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IDagDefinition).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var type in types)
        {
            try
            {
                var dag = ((IDagDefinition)Activator.CreateInstance(type)!).Build();
                var located = new Dag(dag.Settings with { Fileloc = dag.Settings.Fileloc ?? type.FullName }, dag.TopologicalOrder);
                if (!dags.TryAdd(located.DagId, located))
                {
                    errors.Add(new DagImportError(type.FullName!, $"dag_id '{located.DagId}' is already defined by {dags[located.DagId].Settings.Fileloc}."));
                }
            }
            catch (Exception e) when (e is DagValidationException or TargetInvocationException or InvalidOperationException or ArgumentException)
            {
                errors.Add(new DagImportError(type.FullName!, (e as TargetInvocationException)?.InnerException?.Message ?? e.Message));
            }
        }

        return (new DagBag(dags.Values), errors);
    }

    /// <summary>The DAGs compiled into this app (the <c>dags/</c> folder's C# files).</summary>
    public static (DagBag Bag, IReadOnlyList<DagImportError> Errors) LoadBuiltIn() => Load([typeof(DagDiscovery).Assembly]);
}
