using Gale.InMemory;
using Gale.Secrets;

namespace Gale.Core.Tests.Secrets;

public sealed class SecretsTests
{
    [Theory]
    [InlineData("api_token", true)]
    [InlineData("DB_PASSWORD", true)]
    [InlineData("storage_key", true)]
    [InlineData("client_secret", true)]
    [InlineData("bucket", false)]
    [InlineData("region", false)]
    public void IsSensitiveName_CommonNames_MatchesAirflowsList(string name, bool sensitive)
    {
        Assert.Equal(sensitive, SecretMasker.IsSensitiveName(name));
    }

    [Fact]
    public void Redact_RegisteredSecrets_MasksRawEncodedAndLongestFirst()
    {
        var masker = new SecretMasker();
        masker.Add("hunter2-long");
        masker.Add("hunter2-long-and-longer");
        masker.Add("p@ss word!");
        masker.Add("abc"); // too short to mask

        var text = masker.Redact("a=hunter2-long-and-longer b=hunter2-long c=p%40ss%20word%21 d=p@ss word! e=abc");

        Assert.Equal("a=*** b=*** c=*** d=*** e=abc", text);
    }

    [Fact]
    public void Parse_UriWithEncodedParts_ReadsEveryField()
    {
        var c = Connection.Parse("warehouse", "postgres-ssl://etl%2Fuser:p%40ss%3Aword@db.example.com:6543/analytics?sslmode=require&application_name=gale+etl");

        Assert.Equal(("postgres_ssl", "db.example.com", "etl/user", "p@ss:word", 6543, "analytics"), (c.ConnType, c.Host, c.Login, c.Password, c.Port, c.Schema));
        Assert.Equal("require", c.Extra["sslmode"]);
        Assert.Equal("gale etl", c.Extra["application_name"]);
        Assert.DoesNotContain("p@ss", c.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Json_ReadsEveryField()
    {
        var c = Connection.Parse("api", """{"conn_type": "http", "host": "api.example.com", "login": "u", "password": "pw-12345", "port": 8443, "schema": "https", "extra": {"X-Tenant": "t1"}}""");

        Assert.Equal(("http", "api.example.com", "u", "pw-12345", 8443, "https"), (c.ConnType, c.Host, c.Login, c.Password, c.Port, c.Schema));
        Assert.Equal("t1", c.Extra["X-Tenant"]);
        Assert.Equal(new Uri("https://api.example.com:8443/"), c.BaseUrl());
    }

    [Theory]
    [InlineData("https://api.example.com", "https://api.example.com/")]
    [InlineData("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/")]
    [InlineData("http://api.example.com/https", "https://api.example.com/")]
    [InlineData("generic://api.example.com", "http://api.example.com/")]
    public void BaseUrl_Variants_FollowHttpHookRules(string uri, string expected)
    {
        Assert.Equal(new Uri(expected), Connection.Parse("api", uri).BaseUrl());
    }

    [Fact]
    public void Get_UndefinedOrMalformed_ErrorNamesConnectionAndSetting()
    {
        var settings = new Dictionary<string, string> { ["GALE_CONN_BROKEN"] = "not a uri" };
        var resolver = new ConnectionResolver(settings.GetValueOrDefault, new SecretMasker());

        var missing = Assert.Throws<KeyNotFoundException>(() => resolver.Get("absent"));
        var broken = Assert.Throws<FormatException>(() => resolver.Get("broken"));

        Assert.Contains("GALE_CONN_ABSENT", missing.Message, StringComparison.Ordinal);
        Assert.Contains("connection 'broken'", broken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindAsync_SettingAndStore_SettingWinsAndSensitiveValuesAreMasked()
    {
        var store = new InMemoryVariableStore();
        await store.SetAsync(new Variable("region", "stored"));
        await store.SetAsync(new Variable("db_password", "stored-secret"));
        await store.SetAsync(new Variable("service_token", """{"value": "json-secret-1"}"""));
        var settings = new Dictionary<string, string> { ["GALE_VAR_REGION"] = "from-setting" };
        var masker = new SecretMasker();
        var variables = new VariableResolver(store, settings.GetValueOrDefault, masker);

        Assert.Equal("from-setting", await variables.FindAsync("region"));
        Assert.Equal("stored-secret", await variables.FindAsync("db_password"));
        Assert.Equal("json-secret-1", (await variables.GetJsonAsync("service_token")).GetProperty("value").GetString());
        Assert.Null(await variables.FindAsync("absent"));
        Assert.Equal("region=from-setting pw=*** json=***", masker.Redact("region=from-setting pw=stored-secret json=json-secret-1"));
    }
}
