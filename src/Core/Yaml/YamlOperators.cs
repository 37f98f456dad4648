using Gale.Execution;
using Gale.Operators;
using Gale.Runs;
using YamlDotNet.RepresentationModel;

namespace Gale.Yaml;

/// <summary>Reads a YAML task's <c>operator</c> and its fields into one of the built-in operators (docs/yaml-dags.md).</summary>
internal static class YamlOperators
{
    /// <summary>Every field an operator may use.</summary>
    public static readonly string[] Fields =
    [
        "operator", "command", "env", "cwd", "skip_on_exit_code", "follow",
        "method", "url", "endpoint", "http_conn_id", "headers", "data", "expected_status", "response_check", "response_filter", "log_response",
        "trigger_dag_id", "trigger_run_id", "logical_date", "conf", "wait_for_completion", "poke_interval", "allowed_states", "failed_states", "skip_when_already_exists", "deferrable",
        .. YamlSensors.Fields,
    ];

    /// <summary>The task callback fields (each an operator spec: <c>{operator: http, url: …}</c>).</summary>
    public static readonly string[] CallbackFields = ["on_execute_callback", "on_success_callback", "on_failure_callback", "on_retry_callback"];

    private const string Names = "shell, empty, branch, short_circuit, latest_only, http, trigger_dagrun, wait_for_event, cleanup, http_sensor, blob_sensor or external_task_sensor";

    /// <summary>The operator of a task (or callback) node.</summary>
    public static ITaskOperator Read(YamlNodeReader task, YamlMappingNode taskNode)
    {
        var name = task.String("operator") ?? throw task.Error(taskNode, "operator", $"is required ({Names})");
        switch (name)
        {
            case "shell":
                return Shell(task, taskNode, "is required for the shell operator");
            case "empty":
                return new EmptyOperator();
            case "latest_only":
                return new LatestOnlyOperator();
            case "branch":
                var follow = task.StringList("follow");
                if (follow.Count > 0)
                {
                    return new BranchOperator(_ => ValueTask.FromResult(follow));
                }

                var chooser = Shell(task, taskNode, "is required for the branch operator (it prints the task ids to follow), or give follow: [ids]");
                return new BranchOperator(async ctx =>
                {
                    var (exit, last) = await (await RenderedAsync(chooser, ctx)).RunAsync(ctx);
                    return exit == 0
                        ? (IReadOnlyList<string>)(last ?? string.Empty).Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        : throw new InvalidOperationException($"branch command exited with code {exit}");
                });
            case "short_circuit":
                var condition = Shell(task, taskNode, "is required for the short_circuit operator (exit 0 continues, exit 1 skips downstream)");
                return new ShortCircuitOperator(async ctx =>
                {
                    var (exit, _) = await (await RenderedAsync(condition, ctx)).RunAsync(ctx);
                    return exit switch
                    {
                        0 => true,
                        1 => false,
                        _ => throw new InvalidOperationException($"short_circuit command exited with code {exit} (expected 0 to continue or 1 to skip)"),
                    };
                });
            case "http":
                return Http(task, taskNode);
            case "trigger_dagrun":
                return TriggerDagRun(task, taskNode);
            case "cleanup":
                var waitFor = task.StringList("wait_for");
                return new CleanupOperator(waitFor.Count > 0 ? waitFor : null);
            case "wait_for_event":
                return YamlSensors.WaitForEvent(task, taskNode);
            case "http_sensor" or "blob_sensor" or "external_task_sensor":
                return YamlSensors.Read(name, task, taskNode);
            default:
                throw task.Error(task.Raw("operator")!, "operator", $"unknown operator '{name}'; expected one of {Names}");
        }
    }

    /// <summary>A callback given as an operator spec; it runs with the task's context, templates rendered.</summary>
    public static Func<TaskContext, Task>? Callback(YamlNodeReader node, string field)
    {
        var spec = node.Mapping(field);
        if (spec is null)
        {
            return null;
        }

        spec.RejectUnknown(Fields.ToHashSet(StringComparer.Ordinal));
        var @operator = Read(spec, spec.Node);
        return async ctx => await (await RenderedAsync(@operator, ctx)).ExecuteAsync(ctx);
    }

    // Renders an operator's template fields against the context (for operators run outside the attempt runner's own rendering).
    private static async Task<T> RenderedAsync<T>(T @operator, TaskContext context)
        where T : ITaskOperator
    {
        if (@operator is not ITemplatedOperator templated || context.Templates is null)
        {
            return @operator;
        }

        var rendered = await context.Templates.RenderFieldsAsync(templated.TemplateFields, context.CancellationToken);
        return (T)templated.WithRenderedFields(rendered);
    }

    private static ShellOperator Shell(YamlNodeReader task, YamlMappingNode taskNode, string missing)
    {
        var codes = task.StringList("skip_on_exit_code");
        return new(task.String("command") ?? throw task.Error(taskNode, "command", missing))
        {
            Environment = task.StringMap("env"),
            WorkingDirectory = task.String("cwd"),
            SkipOnExitCodes = codes.Count == 0 ? [99] : codes.Select(c => int.TryParse(c, out var code) ? code : throw task.Error(task.Raw("skip_on_exit_code")!, "skip_on_exit_code", $"'{c}' is not an exit code")).ToList(),
        };
    }

    private static HttpOperator Http(YamlNodeReader task, YamlMappingNode taskNode)
    {
        var url = task.String("url");
        var endpoint = task.String("endpoint");
        var connection = task.String("http_conn_id");
        if (url is null && connection is null)
        {
            throw task.Error(taskNode, "url", "is required for the http operator, unless http_conn_id (with an optional endpoint) is given");
        }

        var method = (task.String("method") ?? "POST").ToUpperInvariant();
        if (method is not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE" or "HEAD" or "OPTIONS"))
        {
            throw task.Error(task.Raw("method")!, "method", $"'{method}' is not an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)");
        }

        var expected = task.StringList("expected_status")
            .Select(c => int.TryParse(c, out var code) && code is >= 100 and < 600 ? code : throw task.Error(task.Raw("expected_status")!, "expected_status", $"'{c}' is not an HTTP status code"))
            .ToList();
        Func<HttpResult, object?>? filter = null;
        if (task.String("response_filter") is { } filterName)
        {
            try
            {
                filter = HttpOperator.Filter(filterName);
            }
            catch (ArgumentException e)
            {
                throw task.Error(task.Raw("response_filter")!, "response_filter", e.Message.Split(" (Parameter", 2)[0]);
            }
        }

        var data = task.Raw("data") switch
        {
            null => null,
            YamlScalarNode s => s.Value,
            var structured => System.Text.Json.JsonSerializer.Serialize(YamlNodeReader.ToJson(structured)), // a mapping or list is sent as JSON
        };
        return new HttpOperator
        {
            Method = method,
            Url = url,
            Endpoint = endpoint,
            HttpConnId = connection,
            Headers = task.StringMap("headers"),
            Data = data,
            DataIsJson = task.Raw("data") is YamlMappingNode or YamlSequenceNode,
            ExpectedStatusCodes = expected,
            ResponseCheck = ResponseCheck(task),
            ResponseFilter = filter,
            LogResponse = task.Bool("log_response") ?? false,
        };
    }

    // response_check: {contains: text} | {json_pointer: /path, equals: value}
    private static Func<HttpResult, bool>? ResponseCheck(YamlNodeReader task)
    {
        var check = task.Mapping("response_check");
        if (check is null)
        {
            return null;
        }

        check.RejectUnknown(new HashSet<string>(["contains", "json_pointer", "equals"], StringComparer.Ordinal));
        var contains = check.String("contains");
        var pointer = check.String("json_pointer");
        var equals = check.String("equals");
        if (contains is null && pointer is null)
        {
            throw task.Error(task.Raw("response_check")!, "response_check", "needs contains: TEXT, or json_pointer: /path (with an optional equals: VALUE)");
        }

        return result =>
        {
            if (contains is not null && !result.Body.Contains(contains, StringComparison.Ordinal))
            {
                return false;
            }

            if (pointer is null)
            {
                return true;
            }

            System.Text.Json.JsonElement root;
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(result.Body);
                root = json.RootElement.Clone();
            }
            catch (System.Text.Json.JsonException)
            {
                return false;
            }

            var found = JsonPointer.Resolve(root, pointer);
            return found is not null && (equals is null || Gale.Templates.TemplateRenderer.Text(found.Value) == equals);
        };
    }

    private static TriggerDagRunOperator TriggerDagRun(YamlNodeReader task, YamlMappingNode taskNode)
    {
        var conf = task.Raw("conf") switch
        {
            null => null,
            YamlMappingNode map => YamlNodeReader.ToJson(map).GetRawText(),
            var other => throw task.Error(other, "conf", "must be a mapping (the triggered run's conf)"),
        };
        return new TriggerDagRunOperator(task.String("trigger_dag_id") ?? throw task.Error(taskNode, "trigger_dag_id", "is required for the trigger_dagrun operator"))
        {
            TriggerRunId = task.String("trigger_run_id"),
            LogicalDate = task.String("logical_date"),
            Conf = conf,
            WaitForCompletion = task.Bool("wait_for_completion") ?? false,
            PokeInterval = task.Duration("poke_interval") ?? TimeSpan.FromSeconds(60),
            Deferrable = task.Bool("deferrable") ?? true,
            AllowedStates = States(task, "allowed_states", [DagRunState.Success]),
            FailedStates = States(task, "failed_states", [DagRunState.Failed]),
            SkipWhenAlreadyExists = task.Bool("skip_when_already_exists") ?? false,
        };
    }

    private static IReadOnlyList<DagRunState> States(YamlNodeReader task, string field, IReadOnlyList<DagRunState> fallback)
    {
        var names = task.StringList(field);
        return names.Count == 0
            ? fallback
            : names.Select(n =>
            {
                try
                {
                    return Gale.Runs.States.ParseRunState(n);
                }
                catch (FormatException e)
                {
                    throw task.Error(task.Raw(field)!, field, e.Message.TrimEnd('.'));
                }
            }).ToList();
    }
}
