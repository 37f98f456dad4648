using Gale.Dags;
using Gale.Execution;
using Gale.Timetables;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gale.Yaml;

/// <summary>
/// Loads DAGs from YAML files (<c>*.yaml</c>, <c>*.yml</c>) for the built-in operators. A broken file becomes an
/// import error naming the file, line and field; the other files still load. The schema is in docs/yaml-dags.md.
/// </summary>
public static class YamlDagLoader
{
    private static readonly HashSet<string> DagFields =
    [
        "dag_id", "description", "tags", "doc_md", "schedule", "timezone", "start_date", "end_date", "catchup", "is_paused_upon_creation",
        "max_active_runs", "max_active_tasks", "dagrun_timeout", "default_args", "tasks", "task_groups", "params",
        "on_success_callback", "on_failure_callback", "cleanup", "watchers",
    ];

    private static readonly HashSet<string> GroupFields = ["id", "upstream", "default_args"];

    private static readonly HashSet<string> ArgFields =
    [
        "trigger_rule", "retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay", "execution_timeout",
        "pool", "pool_slots", "priority_weight", "depends_on_past", "wait_for_downstream", .. YamlOperators.CallbackFields,
    ];

    private static readonly HashSet<string> TaskFields =
    [
        .. ArgFields, .. YamlOperators.Fields, "id", "task_id", "upstream", "setup", "teardown", "group", "expand", "expand_kwargs", "outlets", "inlets",
    ];

    /// <summary>Loads every YAML file in <paramref name="folder"/> (recursively); a missing folder yields nothing.</summary>
    public static (IReadOnlyList<Dag> Dags, IReadOnlyList<DagImportError> Errors) LoadFolder(string folder)
    {
        var dags = new List<Dag>();
        var errors = new List<DagImportError>();
        if (!Directory.Exists(folder))
        {
            return (dags, errors);
        }

        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            try
            {
                dags.Add(Load(file, text));
            }
            catch (YamlDagException e)
            {
                errors.Add(new DagImportError(file, e.Message, DeclaredDagId(text)));
            }
        }

        return (dags, errors);
    }

    /// <summary>The <c>dag_id</c> a (possibly broken) file declares at its top level, so an import error can name its DAG.</summary>
    public static string? DeclaredDagId(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text ?? string.Empty, @"^dag_id:\s*['""]?([A-Za-z0-9_.\-]+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>Parses and validates one YAML DAG.</summary>
    /// <exception cref="YamlDagException">The file is invalid; the message names the file, line and field.</exception>
    public static Dag Load(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new YamlDagException(file, (int)e.Start.Line, "(syntax)", e.InnerException?.Message ?? e.Message);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new YamlDagException(file, 1, "(document)", "a DAG file holds one mapping with dag_id and tasks");
        }

        var dag = new YamlNodeReader(file, root, string.Empty);
        dag.RejectUnknown(DagFields);
        var defaults = dag.Mapping("default_args");
        defaults?.RejectUnknown(ArgFields);
        NodaTime.DateTimeZone zone;
        try
        {
            zone = TimetableParser.Zone(dag.String("timezone"));
        }
        catch (FormatException e)
        {
            throw dag.Error(dag.Raw("timezone")!, "timezone", e.Message);
        }

        var watchers = YamlWatchers.Read(dag);
        var (assetSchedule, assetTimetable, maxEvents) = YamlWatchers.ReadSchedule(dag, [.. watchers.SelectMany(w => w.Assets), .. DeclaredAssets(dag)]);
        var schedule = dag.Raw("schedule") switch
        {
            YamlSequenceNode => null,
            YamlMappingNode => assetTimetable,
            _ => dag.String("schedule"),
        };
        try
        {
            TimetableParser.Parse(schedule, null);
        }
        catch (FormatException e)
        {
            throw dag.Error(dag.Raw("schedule")!, assetTimetable is null ? "schedule" : "schedule.timetable", e.Message);
        }

        var settings = new DagSettings
        {
            DagId = dag.RequiredString("dag_id"),
            Description = dag.String("description"),
            Tags = dag.StringList("tags"),
            DocMd = dag.String("doc_md"),
            Schedule = schedule,
            AssetSchedule = assetSchedule,
            MaxAssetEventsPerRun = maxEvents ?? Gale.Assets.AssetTriggerPlanner.DefaultMaxEventsPerRun,
            Watchers = watchers,
            Timezone = dag.String("timezone"),
            Timetable = ReadEvents(dag, zone),
            StartDate = ReadDate(dag, "start_date", zone),
            EndDate = ReadDate(dag, "end_date", zone),
            IsPausedUponCreation = dag.Bool("is_paused_upon_creation") ?? false,
            Catchup = dag.Bool("catchup") ?? false,
            MaxActiveRuns = dag.Int("max_active_runs") ?? 16,
            MaxActiveTasks = dag.Int("max_active_tasks") ?? 16,
            DagrunTimeout = dag.Duration("dagrun_timeout"),
            Params = ReadParams(dag),
            OnSuccessCallback = YamlOperators.Callback(dag, "on_success_callback"),
            OnFailureCallback = YamlOperators.Callback(dag, "on_failure_callback"),
            Fileloc = file,
            YamlSource = text,
        };

        var builder = new DagBuilder(settings);
        if (defaults is not null)
        {
            builder.DefaultArgs(ReadArgs(defaults) with { IsSetup = false, IsTeardown = false });
        }

        if (dag.Raw("tasks") is not YamlSequenceNode tasks || tasks.Children.Count == 0)
        {
            throw dag.Error(dag.Raw("tasks") ?? root, "tasks", "is required: a list of tasks");
        }

        // Groups: declared under task_groups (for their upstream and default_args) or implied by a task's group.
        var groupDecls = new Dictionary<string, (IReadOnlyList<string> Upstream, TaskOptions? Defaults)>(StringComparer.Ordinal);
        if (dag.Raw("task_groups") is YamlSequenceNode groupNodes)
        {
            for (var i = 0; i < groupNodes.Children.Count; i++)
            {
                if (groupNodes.Children[i] is not YamlMappingNode groupNode)
                {
                    throw dag.Error(groupNodes.Children[i], $"task_groups[{i}]", "must be a mapping with id");
                }

                var group = new YamlNodeReader(file, groupNode, $"task_groups[{i}]");
                group.RejectUnknown(GroupFields);
                var groupDefaults = group.Mapping("default_args");
                groupDefaults?.RejectUnknown(ArgFields);
                groupDecls[group.RequiredString("id")] = (group.StringList("upstream"), groupDefaults is null ? null : ReadArgs(groupDefaults));
            }
        }

        var entries = new List<(string Group, string Id, ITaskOperator Operator, string[] Upstream, TaskOptions Options, MapSpec? Mapping)>();
        for (var i = 0; i < tasks.Children.Count; i++)
        {
            if (tasks.Children[i] is not YamlMappingNode taskNode)
            {
                throw dag.Error(tasks.Children[i], $"tasks[{i}]", "must be a mapping with id and operator");
            }

            var task = new YamlNodeReader(file, taskNode, $"tasks[{i}]");
            task.RejectUnknown(TaskFields);
            var id = task.String("id") ?? task.String("task_id") ?? throw task.Error(taskNode, "id", "is required");
            var options = ReadArgs(task) with { IsSetup = task.Bool("setup") ?? false, IsTeardown = task.Bool("teardown") ?? false, Outlets = YamlAssets.Read(task, "outlets"), Inlets = YamlAssets.Read(task, "inlets") };
            entries.Add((task.String("group") ?? string.Empty, id, YamlOperators.Read(task, taskNode), task.StringList("upstream").ToArray(), options, ReadMapping(task)));
        }

        AddGroup(builder, string.Empty, entries, groupDecls);
        if (dag.Bool("cleanup") == true)
        {
            if (entries.Any(e => e.Id == "cleanup"))
            {
                throw dag.Error(dag.Raw("cleanup")!, "cleanup", "a task named 'cleanup' already exists; rename it or add the cleanup operator yourself");
            }

            builder.Task("cleanup", new Gale.Operators.CleanupOperator());
        }

        try
        {
            return builder.Build();
        }
        catch (DagValidationException e)
        {
            throw new YamlDagException(file, (int)root.Start.Line, "tasks", e.Message);
        }
    }

    // Adds the tasks of group `path` (empty: top level) and, in order of first appearance, its child groups.
    private static void AddGroup(
        DagBuilder builder,
        string path,
        List<(string Group, string Id, ITaskOperator Operator, string[] Upstream, TaskOptions Options, MapSpec? Mapping)> entries,
        Dictionary<string, (IReadOnlyList<string> Upstream, TaskOptions? Defaults)> groups)
    {
        var children = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Group == path)
            {
                builder.Task(entry.Id, entry.Operator, entry.Upstream, entry.Options);
                if (entry.Mapping is { Kwargs: true } kwargs)
                {
                    builder.ExpandKwargs(entry.Id, kwargs.Sources[0]);
                }
                else if (entry.Mapping is { } mapping)
                {
                    builder.Expand(entry.Id, [.. mapping.Sources]);
                }

                continue;
            }

            var isDescendant = path.Length == 0 || entry.Group.StartsWith(path + ".", StringComparison.Ordinal);
            if (!isDescendant)
            {
                continue;
            }

            var rest = path.Length == 0 ? entry.Group : entry.Group[(path.Length + 1)..];
            var child = rest.Split('.')[0];
            if (!children.Contains(child))
            {
                children.Add(child);
            }
        }

        foreach (var child in children)
        {
            var childPath = path.Length == 0 ? child : $"{path}.{child}";
            groups.TryGetValue(childPath, out var decl);
            builder.Group(child, g => AddGroup(g, childPath, entries, groups), (decl.Upstream ?? []).ToArray(), decl.Defaults);
        }
    }

    // params: {name: default} or {name: {type, default, description, enum, minimum, maximum}}
    private static Dictionary<string, DagParam> ReadParams(YamlNodeReader dag)
    {
        var result = new Dictionary<string, DagParam>(StringComparer.Ordinal);
        if (dag.Mapping("params") is not { } parameters)
        {
            return result;
        }

        foreach (var (keyNode, valueNode) in parameters.Node.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value!;
            if (valueNode is not YamlMappingNode spec)
            {
                result[name] = new DagParam { Default = YamlNodeReader.ToJson(valueNode) };
                continue;
            }

            var param = new YamlNodeReader(dag.File, spec, $"params.{name}");
            param.RejectUnknown(new HashSet<string>(["type", "default", "description", "enum", "minimum", "maximum"]));
            var typeName = param.String("type") ?? "any";
            var type = typeName switch
            {
                "any" => ParamType.Any,
                "string" => ParamType.String,
                "integer" => ParamType.Integer,
                "number" => ParamType.Number,
                "boolean" => ParamType.Boolean,
                "array" => ParamType.Array,
                "object" => ParamType.Object,
                _ => throw param.Error(param.Raw("type")!, "type", $"'{typeName}' is not a param type; expected any, string, integer, number, boolean, array or object"),
            };
            var minimum = param.String("minimum");
            var maximum = param.String("maximum");
            result[name] = new DagParam
            {
                Type = type,
                Default = param.Raw("default") is { } d ? Typed(d, type) : null,
                Description = param.String("description"),
                Enum = param.Raw("enum") is YamlSequenceNode e ? e.Children.Select(c => Typed(c, type)).ToList() : null,
                Minimum = minimum is null ? null : double.Parse(minimum, System.Globalization.CultureInfo.InvariantCulture),
                Maximum = maximum is null ? null : double.Parse(maximum, System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        return result;
    }

    // YAML scalars are text; give them the param's JSON type so defaults and enums compare with conf values.
    private static System.Text.Json.JsonElement Typed(YamlNode node, ParamType type)
    {
        if (node is YamlScalarNode { Value: { } text } && type is ParamType.Integer or ParamType.Number or ParamType.Boolean)
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(text);
                return json.RootElement.Clone();
            }
            catch (System.Text.Json.JsonException)
            {
                // Leave it as text: validation reports the type mismatch.
            }
        }

        return YamlNodeReader.ToJson(node);
    }

    // expand: {arg: [literal, ...] | {xcom: task_id, key: k}} ; expand_kwargs: [{...}, ...] | {xcom: task_id}
    private static MapSpec? ReadMapping(YamlNodeReader task)
    {
        if (task.Mapping("expand") is { } expand)
        {
            var sources = expand.Node.Children.Select(p => ReadSource(task, ((YamlScalarNode)p.Key).Value!, p.Value, $"expand.{p.Key}")).ToList();
            return sources.Count == 0 ? throw task.Error(expand.Node, "expand", "names no arguments") : new MapSpec(sources);
        }

        if (task.Raw("expand_kwargs") is { } kwargs)
        {
            return new MapSpec([ReadSource(task, "kwargs", kwargs, "expand_kwargs")], Kwargs: true);
        }

        return null;
    }

    private static MapSource ReadSource(YamlNodeReader task, string argument, YamlNode node, string field)
    {
        switch (node)
        {
            case YamlSequenceNode list:
                return new MapSource { Argument = argument, Values = list.Children.Select(YamlNodeReader.ToJson).ToList() };
            case YamlMappingNode map:
                var source = new YamlNodeReader(task.File, map, task.Field(field));
                source.RejectUnknown(new HashSet<string>(["xcom", "key"]));
                return MapSource.FromXCom(argument, source.RequiredString("xcom"), source.String("key") ?? Execution.XComAccessor.ReturnValueKey);
            default:
                throw task.Error(node, field, "must be a list of values or {xcom: task_id}");
        }
    }

    private static DateTimeOffset? ReadDate(YamlNodeReader dag, string field, NodaTime.DateTimeZone zone)
    {
        var text = dag.String(field);
        try
        {
            return text is null ? null : TimetableParser.ParseDate(text, zone);
        }
        catch (FormatException e)
        {
            throw dag.Error(dag.Raw(field)!, field, e.Message);
        }
    }

    // Assets the file's tasks name (outlets, inlets), so a schedule may refer to them by name.
    private static IEnumerable<Gale.Assets.Asset> DeclaredAssets(YamlNodeReader dag)
    {
        if (dag.Raw("tasks") is not YamlSequenceNode tasks)
        {
            yield break;
        }

        for (var i = 0; i < tasks.Children.Count; i++)
        {
            if (tasks.Children[i] is YamlMappingNode taskNode)
            {
                var task = new YamlNodeReader(dag.File, taskNode, $"tasks[{i}]");
                foreach (var asset in YamlAssets.Read(task, "outlets").Concat(YamlAssets.Read(task, "inlets")))
                {
                    yield return asset;
                }
            }
        }
    }

    // schedule: [2024-01-01T06:00, 2024-02-01T06:00] is an events timetable (dates read in the DAG's time zone).
    private static EventsTimetable? ReadEvents(YamlNodeReader dag, NodaTime.DateTimeZone zone)
    {
        if (dag.Raw("schedule") is not YamlSequenceNode events)
        {
            return null;
        }

        var instants = new List<DateTimeOffset>();
        for (var i = 0; i < events.Children.Count; i++)
        {
            try
            {
                instants.Add(TimetableParser.ParseDate(events.Children[i] is YamlScalarNode s ? s.Value ?? string.Empty : string.Empty, zone));
            }
            catch (FormatException e)
            {
                throw dag.Error(events.Children[i], $"schedule[{i}]", e.Message);
            }
        }

        return instants.Count > 0 ? new EventsTimetable(instants) : throw dag.Error(events, "schedule", "an events list needs at least one date-time");
    }

    private static TaskOptions ReadArgs(YamlNodeReader node)
    {
        TriggerRule? rule = null;
        if (node.String("trigger_rule") is { } ruleName)
        {
            rule = TriggerRules.TryParse(ruleName, out var parsed)
                ? parsed
                : throw node.Error(node.Raw("trigger_rule")!, "trigger_rule", $"'{ruleName}' is not a trigger rule; expected one of {string.Join(", ", TriggerRules.AllNames)}");
        }

        return new TaskOptions
        {
            TriggerRule = rule,
            Retries = node.Int("retries"),
            RetryDelay = node.Duration("retry_delay"),
            RetryExponentialBackoff = node.Bool("retry_exponential_backoff"),
            MaxRetryDelay = node.Duration("max_retry_delay"),
            ExecutionTimeout = node.Duration("execution_timeout"),
            Pool = node.String("pool"),
            PoolSlots = node.Int("pool_slots"),
            PriorityWeight = node.Int("priority_weight"),
            DependsOnPast = node.Bool("depends_on_past"),
            WaitForDownstream = node.Bool("wait_for_downstream"),
            OnExecute = YamlOperators.Callback(node, "on_execute_callback"),
            OnSuccess = YamlOperators.Callback(node, "on_success_callback"),
            OnFailure = YamlOperators.Callback(node, "on_failure_callback"),
            OnRetry = YamlOperators.Callback(node, "on_retry_callback"),
        };
    }
}
