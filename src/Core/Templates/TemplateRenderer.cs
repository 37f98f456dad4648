using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gale.Templates;

/// <summary>
/// Renders Gale's Jinja subset (docs/templates.md): <c>{{ ds }}</c>, <c>{{ params.name }}</c>,
/// <c>{{ var.value.key }}</c>, <c>{{ var.json.key.field }}</c>, <c>{{ conn.id.host }}</c>,
/// <c>{{ ti.xcom_pull(task_ids='extract') }}</c>, <c>{{ macros.ds_add(ds, 7) }}</c>, and the filters
/// <c>default</c>, <c>tojson</c>, <c>upper</c>, <c>lower</c>, <c>trim</c>, <c>urlencode</c>, <c>string</c>, <c>int</c> and <c>length</c>.
/// An undefined name is an error (Jinja's StrictUndefined), unless a <c>default</c> filter catches it.
/// Strings render as they are, booleans as <c>True</c>/<c>False</c>, none as <c>None</c>, lists and objects as JSON.
/// </summary>
public sealed class TemplateRenderer(TemplateScope scope)
{
    /// <summary>True when <paramref name="text"/> holds template syntax at all (so plain fields skip the parser).</summary>
    public static bool IsTemplate(string? text) =>
        text is not null && (text.Contains("{{", StringComparison.Ordinal) || text.Contains("{#", StringComparison.Ordinal) || text.Contains("{%", StringComparison.Ordinal));

    /// <summary>Renders one template.</summary>
    /// <exception cref="TemplateException">Bad syntax or an undefined name.</exception>
    public async Task<string> RenderAsync(string template, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (!IsTemplate(template))
        {
            return template;
        }

        var output = new StringBuilder();
        foreach (var segment in TemplateParser.Parse(template))
        {
            switch (segment)
            {
                case LiteralSegment l:
                    output.Append(l.Text);
                    break;
                case ExpressionSegment e:
                    var value = await EvaluateAsync(e.Expression, e.Source, cancellationToken);
                    output.Append(value is { } v ? Text(v) : throw new TemplateException($"'{{{{ {e.Source} }}}}' is undefined"));
                    break;
            }
        }

        return output.ToString();
    }

    /// <summary>Renders every field; an error names the field.</summary>
    /// <exception cref="TemplateException">A field could not be rendered; the message starts with <c>field 'name':</c>.</exception>
    public async Task<IReadOnlyDictionary<string, string>> RenderFieldsAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var rendered = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, template) in fields)
        {
            try
            {
                rendered[name] = await RenderAsync(template, cancellationToken);
            }
            catch (TemplateException e)
            {
                throw new TemplateException($"field '{name}': {e.Message}", e);
            }
        }

        return rendered;
    }

    /// <summary>How a value renders into text.</summary>
    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Null => "None",
        _ => value.GetRawText(),
    };

    // Null means undefined; a JSON null is Python's None.
    private async Task<JsonElement?> EvaluateAsync(Expression expression, string source, CancellationToken cancellationToken) => expression switch
    {
        LiteralExpression l => JsonSerializer.SerializeToElement(l.Value),
        ListExpression l => await ListAsync(l, source, cancellationToken),
        FilterExpression f => await FilterAsync(f, source, cancellationToken),
        PathExpression p => await PathAsync(p, source, cancellationToken),
        _ => throw new TemplateException($"'{{{{ {source} }}}}': unsupported expression"),
    };

    private async Task<JsonElement?> ListAsync(ListExpression list, string source, CancellationToken cancellationToken)
    {
        var items = new List<JsonElement>();
        foreach (var item in list.Items)
        {
            items.Add(await EvaluateAsync(item, source, cancellationToken) ?? throw new TemplateException($"'{{{{ {source} }}}}': a list item is undefined"));
        }

        return JsonSerializer.SerializeToElement(items);
    }

    private async Task<JsonElement?> FilterAsync(FilterExpression filter, string source, CancellationToken cancellationToken)
    {
        JsonElement? input;
        if (filter.Filter is "default" or "d")
        {
            try
            {
                input = await EvaluateAsync(filter.Input, source, cancellationToken);
            }
            catch (TemplateException)
            {
                input = null; // undefined: the default applies
            }

            var fallback = filter.Arguments.Count > 0 ? await EvaluateAsync(filter.Arguments[0].Value, source, cancellationToken) : JsonSerializer.SerializeToElement(string.Empty);
            var orFalsy = filter.Arguments.Count > 1 && await EvaluateAsync(filter.Arguments[1].Value, source, cancellationToken) is { ValueKind: JsonValueKind.True };
            return input is null || (orFalsy && IsFalsy(input.Value)) ? fallback : input;
        }

        input = await EvaluateAsync(filter.Input, source, cancellationToken) ?? throw new TemplateException($"'{{{{ {source} }}}}' is undefined");
        var value = input.Value;
        return filter.Filter switch
        {
            "tojson" => JsonSerializer.SerializeToElement(value.GetRawText()),
            "upper" => JsonSerializer.SerializeToElement(Text(value).ToUpperInvariant()),
            "lower" => JsonSerializer.SerializeToElement(Text(value).ToLowerInvariant()),
            "trim" => JsonSerializer.SerializeToElement(Text(value).Trim()),
            "urlencode" => JsonSerializer.SerializeToElement(Uri.EscapeDataString(Text(value))),
            "string" => JsonSerializer.SerializeToElement(Text(value)),
            "int" => JsonSerializer.SerializeToElement(ToInt(value, source)),
            "length" or "count" => JsonSerializer.SerializeToElement(value.ValueKind switch
            {
                JsonValueKind.Array => value.GetArrayLength(),
                JsonValueKind.Object => value.EnumerateObject().Count(),
                _ => Text(value).Length,
            }),
            _ => throw new TemplateException($"'{{{{ {source} }}}}': unknown filter '{filter.Filter}' (filters: default, tojson, upper, lower, trim, urlencode, string, int, length)"),
        };
    }

    private async Task<JsonElement?> PathAsync(PathExpression path, string source, CancellationToken cancellationToken)
    {
        var steps = path.Steps;
        switch (path.Root)
        {
            case "var" when steps is [MemberStep { Name: var kind and ("value" or "json") }, MemberStep { Name: "get" }, CallStep call, ..]:
                return await VariableGetAsync(kind, call, source, cancellationToken) is { } got ? Navigate(got, steps.Skip(3), $"var.{kind}", source) : null;
            case "var" when steps is [MemberStep { Name: "value" }, MemberStep name, ..]:
                return Navigate(JsonSerializer.SerializeToElement(await VariableAsync(name.Name, source, cancellationToken)), steps.Skip(2), $"var.value.{name.Name}", source);
            case "var" when steps is [MemberStep { Name: "json" }, MemberStep name, ..]:
                return Navigate(await VariableJsonAsync(name.Name, source, cancellationToken), steps.Skip(2), $"var.json.{name.Name}", source);
            case "var":
                throw new TemplateException($"'{{{{ {source} }}}}': use var.value.NAME or var.json.NAME");
            case "conn" when steps is [MemberStep id, MemberStep attribute, ..]:
                return Navigate(ConnectionAttribute(id.Name, attribute.Name, source), steps.Skip(2), $"conn.{id.Name}.{attribute.Name}", source);
            case "conn":
                throw new TemplateException($"'{{{{ {source} }}}}': use conn.ID.host (or login, password, schema, port, conn_type, extra_dejson)");
            case "ti" or "task_instance" when steps is [MemberStep { Name: "xcom_pull" }, CallStep call, ..]:
                return Navigate(await XComPullAsync(call, source, cancellationToken), steps.Skip(2), "xcom_pull(…)", source);
            case "macros" when steps is [MemberStep { Name: "ds_add" }, CallStep call, ..]:
                return Navigate(await DsAddAsync(call, source, cancellationToken), steps.Skip(2), "macros.ds_add(…)", source);
            case "macros":
                throw new TemplateException($"'{{{{ {source} }}}}': the macros Gale has are macros.ds_add(ds, days)");
        }

        if (!scope.Values.TryGetValue(path.Root, out var root))
        {
            throw new TemplateException($"unknown template variable '{path.Root}' in '{{{{ {source} }}}}' (known: {string.Join(", ", scope.Values.Keys.Concat(["var", "conn", "macros"]).Order(StringComparer.Ordinal))})");
        }

        return Navigate(root, steps, path.Root, source);
    }

    private static JsonElement Navigate(JsonElement value, IEnumerable<PathStep> steps, string path, string source)
    {
        foreach (var step in steps)
        {
            switch (step)
            {
                case MemberStep m when value.ValueKind == JsonValueKind.Object:
                    value = value.TryGetProperty(m.Name, out var child)
                        ? child
                        : throw new TemplateException($"'{path}' has no '{m.Name}' in '{{{{ {source} }}}}' (it has: {string.Join(", ", value.EnumerateObject().Select(p => p.Name))})");
                    path += "." + m.Name;
                    break;
                case IndexStep i when value.ValueKind == JsonValueKind.Array:
                    var length = value.GetArrayLength();
                    var index = i.Index < 0 ? length + i.Index : i.Index;
                    value = index >= 0 && index < length
                        ? value[index]
                        : throw new TemplateException($"'{path}' has {length} items; [{i.Index}] is out of range in '{{{{ {source} }}}}'");
                    path += $"[{i.Index}]";
                    break;
                default:
                    throw new TemplateException($"'{path}' is {value.ValueKind.ToString().ToLowerInvariant()}, which has no {Describe(step)} in '{{{{ {source} }}}}'");
            }
        }

        return value;
    }

    private static string Describe(PathStep step) => step switch
    {
        MemberStep m => $"'{m.Name}'",
        IndexStep i => $"item [{i.Index}]",
        _ => "call",
    };

    private async Task<string> VariableAsync(string key, string source, CancellationToken cancellationToken)
    {
        var variables = scope.Variables ?? throw new TemplateException($"variables are not available here ('{{{{ {source} }}}}')");
        return await variables.FindAsync(key, cancellationToken) ?? throw new TemplateException($"unknown variable '{key}' in '{{{{ {source} }}}}' (set it with `gale variables set {key} VALUE` or GALE_VAR_{key.ToUpperInvariant()})");
    }

    private async Task<JsonElement> VariableJsonAsync(string key, string source, CancellationToken cancellationToken)
    {
        var variables = scope.Variables ?? throw new TemplateException($"variables are not available here ('{{{{ {source} }}}}')");
        try
        {
            return await variables.GetJsonAsync(key, cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            throw new TemplateException($"unknown variable '{key}' in '{{{{ {source} }}}}' (set it with `gale variables set {key} VALUE` or GALE_VAR_{key.ToUpperInvariant()})");
        }
        catch (FormatException e)
        {
            throw new TemplateException($"'{{{{ {source} }}}}': {e.Message}");
        }
    }

    // var.value.get('key', 'default') and var.json.get('key', default)
    private async Task<JsonElement?> VariableGetAsync(string kind, CallStep call, string source, CancellationToken cancellationToken)
    {
        if (call.Arguments.Count is < 1 or > 2 || await EvaluateAsync(call.Arguments[0].Value, source, cancellationToken) is not { ValueKind: JsonValueKind.String } key)
        {
            throw new TemplateException($"'{{{{ {source} }}}}': var.{kind}.get takes a key and an optional default");
        }

        var variables = scope.Variables ?? throw new TemplateException($"variables are not available here ('{{{{ {source} }}}}')");
        if (await variables.FindAsync(key.GetString()!, cancellationToken) is null)
        {
            return call.Arguments.Count == 2 ? await EvaluateAsync(call.Arguments[1].Value, source, cancellationToken) : JsonSerializer.SerializeToElement<string?>(null);
        }

        return kind == "json" ? await VariableJsonAsync(key.GetString()!, source, cancellationToken) : JsonSerializer.SerializeToElement(await VariableAsync(key.GetString()!, source, cancellationToken));
    }

    private JsonElement ConnectionAttribute(string connId, string attribute, string source)
    {
        var connections = scope.Connections ?? throw new TemplateException($"connections are not available here ('{{{{ {source} }}}}')");
        Gale.Secrets.Connection connection;
        try
        {
            connection = connections.Get(connId);
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException)
        {
            throw new TemplateException($"'{{{{ {source} }}}}': {e.Message}");
        }

        if (attribute == "extra_dejson")
        {
            return JsonSerializer.SerializeToElement(connection.Extra);
        }

        return connection.Attribute(attribute) is { } value
            ? JsonSerializer.SerializeToElement(value)
            : throw new TemplateException($"'{{{{ {source} }}}}': a connection has no '{attribute}' (it has host, login, password, schema, port, conn_type, conn_id, extra_dejson)");
    }

    private async Task<JsonElement> XComPullAsync(CallStep call, string source, CancellationToken cancellationToken)
    {
        var pull = scope.PullXCom ?? throw new TemplateException($"XComs are not available here ('{{{{ {source} }}}}')");
        JsonElement? taskIds = null, key = null, mapIndexes = null;
        for (var i = 0; i < call.Arguments.Count; i++)
        {
            var argument = call.Arguments[i];
            var value = await EvaluateAsync(argument.Value, source, cancellationToken);
            switch (argument.Name ?? (i == 0 ? "task_ids" : null))
            {
                case "task_ids":
                    taskIds = value;
                    break;
                case "key":
                    key = value;
                    break;
                case "map_indexes":
                    mapIndexes = value;
                    break;
                default:
                    throw new TemplateException($"'{{{{ {source} }}}}': xcom_pull argument '{argument.Name ?? "#" + (i + 1)}' is not supported (task_ids, key, map_indexes: one index)");
            }
        }

        var keyText = key is { ValueKind: JsonValueKind.String } k ? k.GetString()! : "return_value";
        int? mapIndex = mapIndexes switch
        {
            null or { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.Number } m when m.TryGetDouble(out var d) && d == Math.Floor(d) && d >= 0 => (int)d,
            _ => throw new TemplateException($"'{{{{ {source} }}}}': map_indexes must be one map index (a whole number ≥ 0)"),
        };
        switch (taskIds)
        {
            case { ValueKind: JsonValueKind.String } one:
                return await pull(one.GetString()!, keyText, mapIndex, cancellationToken) ?? JsonSerializer.SerializeToElement<string?>(null);
            case { ValueKind: JsonValueKind.Array } many:
                var values = new List<JsonElement>();
                foreach (var id in many.EnumerateArray())
                {
                    values.Add(await pull(Text(id), keyText, mapIndex, cancellationToken) ?? JsonSerializer.SerializeToElement<string?>(null));
                }

                return JsonSerializer.SerializeToElement(values);
            default:
                throw new TemplateException($"'{{{{ {source} }}}}': xcom_pull needs task_ids (a task id or a list of them)");
        }
    }

    private async Task<JsonElement> DsAddAsync(CallStep call, string source, CancellationToken cancellationToken)
    {
        if (call.Arguments.Count != 2
            || await EvaluateAsync(call.Arguments[0].Value, source, cancellationToken) is not { ValueKind: JsonValueKind.String } ds
            || await EvaluateAsync(call.Arguments[1].Value, source, cancellationToken) is not { ValueKind: JsonValueKind.Number } days
            || !DateOnly.TryParseExact(ds.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new TemplateException($"'{{{{ {source} }}}}': macros.ds_add takes a YYYY-MM-DD date and a number of days");
        }

        return JsonSerializer.SerializeToElement(date.AddDays(days.GetInt32()).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    private static long ToInt(JsonElement value, string source) => value.ValueKind switch
    {
        JsonValueKind.Number => (long)value.GetDouble(),
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        _ => throw new TemplateException($"'{{{{ {source} }}}}': '{Text(value)}' is not an integer"),
    };

    private static bool IsFalsy(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.False or JsonValueKind.Undefined => true,
        JsonValueKind.String => value.GetString()!.Length == 0,
        JsonValueKind.Array => value.GetArrayLength() == 0,
        JsonValueKind.Number => value.GetDouble() == 0,
        _ => false,
    };
}
