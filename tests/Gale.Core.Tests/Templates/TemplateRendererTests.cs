using System.Text.Json;
using Gale.InMemory;
using Gale.Secrets;
using Gale.Templates;

namespace Gale.Core.Tests.Templates;

public sealed class TemplateRendererTests
{
    private static readonly Dictionary<string, string> Settings = new(StringComparer.Ordinal)
    {
        ["GALE_VAR_ENV_ONLY"] = "from-env",
        ["GALE_CONN_WAREHOUSE"] = "postgres://etl:s3cr%40t-pw@db.example.com:5432/analytics?sslmode=require",
    };

    private static TemplateRenderer Renderer(SecretMasker? masker = null, InMemoryVariableStore? store = null)
    {
        masker ??= new SecretMasker();
        store ??= new InMemoryVariableStore();
        store.SetAsync(new Variable("bucket", "raw-data")).GetAwaiter().GetResult();
        store.SetAsync(new Variable("config", """{"region": "westeurope", "limits": {"rows": 500}, "tables": ["a", "b"]}""")).GetAwaiter().GetResult();
        var values = new Dictionary<string, object?>
        {
            ["ds"] = "2024-03-09",
            ["ts"] = "2024-03-09T00:00:00+00:00",
            ["params"] = new Dictionary<string, object> { ["limit"] = 10, ["flag"] = true, ["name"] = "orders" },
            ["dag_run"] = new Dictionary<string, object> { ["conf"] = new Dictionary<string, object> { ["region"] = "eu" } },
        };
        return new TemplateRenderer(new TemplateScope
        {
            Values = values.ToDictionary(v => v.Key, v => JsonSerializer.SerializeToElement(v.Value)),
            Variables = new VariableResolver(store, Settings.GetValueOrDefault, masker),
            Connections = new ConnectionResolver(Settings.GetValueOrDefault, masker),
            PullXCom = (task, key, map, _) => Task.FromResult<JsonElement?>(task == "extract"
                ? JsonSerializer.SerializeToElement(new { rows = 42, key, map })
                : null),
        });
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("run for {{ ds }}", "run for 2024-03-09")]
    [InlineData("{{ds}}|{{  ts  }}", "2024-03-09|2024-03-09T00:00:00+00:00")]
    [InlineData("--limit {{ params.limit }} --flag {{ params.flag }}", "--limit 10 --flag True")]
    [InlineData("{{ params['name'] }}", "orders")]
    [InlineData("{{ dag_run.conf.region }}", "eu")]
    [InlineData("s3://{{ var.value.bucket }}/x", "s3://raw-data/x")]
    [InlineData("{{ var.value.env_only }}", "from-env")]
    [InlineData("{{ var.json.config.region }}/{{ var.json.config.limits.rows }}", "westeurope/500")]
    [InlineData("{{ var.json.config.tables[1] }}", "b")]
    [InlineData("{{ var.json.config.tables }}", "[\"a\", \"b\"]")]
    [InlineData("{{ var.value.get('missing', 'fallback') }}", "fallback")]
    [InlineData("{{ conn.warehouse.host }}:{{ conn.warehouse.port }}/{{ conn.warehouse.schema }}", "db.example.com:5432/analytics")]
    [InlineData("{{ conn.warehouse.extra_dejson.sslmode }}", "require")]
    [InlineData("{{ ti.xcom_pull(task_ids='extract')['rows'] }}", "42")]
    [InlineData("{{ task_instance.xcom_pull('extract', key='counts').key }}", "counts")]
    [InlineData("{{ ti.xcom_pull(task_ids='extract', map_indexes=3).map }}", "3")]
    [InlineData("{{ ti.xcom_pull(task_ids='other') }}", "None")]
    [InlineData("{{ macros.ds_add(ds, 7) }}", "2024-03-16")]
    [InlineData("{{ macros.ds_add('2024-03-01', -1) }}", "2024-02-29")]
    [InlineData("{{ params.missing | default('none given') }}", "none given")]
    [InlineData("{{ params.name | upper }}", "ORDERS")]
    [InlineData("q={{ 'a b&c' | urlencode }}", "q=a%20b%26c")]
    [InlineData("{{ dag_run.conf | tojson }}", "{\"region\":\"eu\"}")]
    [InlineData("{{ var.json.config.tables | length }}", "2")]
    [InlineData("a {# a comment #}b", "a b")]
    public async Task RenderAsync_SupportedExpression_RendersAsAirflowWould(string template, string expected)
    {
        Assert.Equal(expected, await Renderer().RenderAsync(template));
    }

    [Theory]
    [InlineData("{{ nope }}", "unknown template variable 'nope'")]
    [InlineData("{{ var.value.absent }}", "unknown variable 'absent'")]
    [InlineData("{{ var.json.absent.x }}", "unknown variable 'absent'")]
    [InlineData("{{ params.missing }}", "'params' has no 'missing'")]
    [InlineData("{{ conn.nowhere.host }}", "GALE_CONN_NOWHERE")]
    [InlineData("{{ ds ", "never closed")]
    [InlineData("{% if x %}y{% endif %}", "statements")]
    [InlineData("{{ ds | shout }}", "unknown filter 'shout'")]
    [InlineData("{{ var.json.config.tables[5] }}", "out of range")]
    [InlineData("{{ params.name( }}", "cannot parse")]
    public async Task RenderFieldsAsync_BadTemplate_ErrorNamesTheFieldAndProblem(string template, string problem)
    {
        var fields = new Dictionary<string, string> { ["command"] = template };

        var e = await Assert.ThrowsAsync<TemplateException>(() => Renderer().RenderFieldsAsync(fields));

        Assert.StartsWith("field 'command': ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_SensitiveVariableAndConnectionPassword_RegistersThemWithTheMasker()
    {
        var masker = new SecretMasker();
        var store = new InMemoryVariableStore();
        await store.SetAsync(new Variable("api_token", "tok-123456"));
        var renderer = Renderer(masker, store);

        var text = await renderer.RenderAsync("{{ var.value.api_token }} {{ conn.warehouse.password }} {{ var.value.bucket }}");

        Assert.Equal("tok-123456 s3cr@t-pw raw-data", text);
        Assert.Equal("*** *** raw-data", masker.Redact(text));
    }

    [Fact]
    public void Iso_WholeAndFractionalSeconds_MatchesPythonIsoformat()
    {
        Assert.Equal("2024-01-01T00:00:00+00:00", TemplateScopes.Iso(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2024-01-01T06:30:00.250000+01:00", TemplateScopes.Iso(new DateTimeOffset(2024, 1, 1, 6, 30, 0, 250, TimeSpan.FromHours(1))));
    }
}
