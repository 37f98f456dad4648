using System.Text;
using Gale.Orchestration.Activities;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Functions.Tests;

/// <summary>
/// The Function App's function classes without a Functions host (none runs on this machine): the orchestration and
/// activity functions registered on Microsoft.DurableTask.InProcessTestHost as the host would call them, Gale's stores
/// on Azurite, and HTTP requests handed to the HTTP functions as the worker's ASP.NET Core integration hands them.
/// </summary>
internal sealed class FunctionAppHarness : IAsyncDisposable
{
    public const string AdminKey = "fx-admin-key-0123456789";

    private readonly DurableTaskTestHost _host;
    private readonly Microsoft.AspNetCore.Builder.WebApplication _web;
    private readonly string _folder;

    private FunctionAppHarness(DurableTaskTestHost host, Microsoft.AspNetCore.Builder.WebApplication web, GaleFunctionApp app, string folder)
    {
        _host = host;
        _web = web;
        App = app;
        _folder = folder;
        Web = new WebFunctions(web.Services.GetRequiredService<GaleWebPipeline>(), app);
        Scheduler = new SchedulerFunctions(app, NullLogger<SchedulerFunctions>.Instance);
    }

    public GaleFunctionApp App { get; }

    public WebFunctions Web { get; }

    public SchedulerFunctions Scheduler { get; }

    /// <summary>Fires the scheduler's timer as the host does.</summary>
    public Task TickAsync() => Scheduler.Tick(new Microsoft.Azure.Functions.Worker.TimerInfo(), Client, CancellationToken.None);

    public DurableTaskClient Client => _host.Client;

    /// <summary>Loads the app on <paramref name="azurite"/> with the YAML DAGs given (file name → text) and starts the functions.</summary>
    public static async Task<FunctionAppHarness> StartAsync(AzuriteFixture azurite, IReadOnlyDictionary<string, string> yamlDags)
    {
        var folder = Directory.CreateTempSubdirectory("gale-fx-").FullName;
        foreach (var (name, yaml) in yamlDags)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, name), yaml);
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = azurite.Server.ConnectionString,
            ["GALE_API_KEYS"] = AdminKey + ":admin",
        };
        var app = await GaleFunctionApp.LoadAsync(settings.GetValueOrDefault, folder, TimeProvider.System, NullLoggerFactory.Instance);
        var functions = new DagRunFunctions(app);
        DurableTaskClient? client = null;
        var host = await DurableTaskTestHost.StartAsync(
            registry =>
            {
                registry.AddOrchestratorFunc<DagRunInput, DagRunResult>(nameof(DagRunOrchestrator), (context, _) => functions.RunOrchestrator(context));
                registry.AddActivityFunc<AttemptInput, TaskFinished?>(nameof(RunTaskAttempt), (context, input) => functions.RunTaskAttempt(input, context.InstanceId, client!));
                registry.AddActivityFunc<TriggerCheckInput, string?>(nameof(PollTrigger), (context, input) => functions.PollTrigger(input, context.InstanceId, client!));
                registry.AddActivityFunc<ClearTaskDataInput, int>(nameof(ClearTaskData), (context, input) => functions.ClearTaskData(input, context.InstanceId, client!));
                registry.AddActivityFunc<FinishRunInput, bool>(nameof(FinishRun), (context, input) => functions.FinishRun(input, context.InstanceId, client!));
                registry.AddActivityFunc<DagRun, RunSnapshotData?>(nameof(ReadPreviousRun), (context, input) => functions.ReadPreviousRun(input, context.InstanceId, client!));
            },
            new DurableTaskTestHostOptions { Port = LoopbackPort.Free() });
        client = host.Client;

        // The worker's ASP.NET Core integration runs a web host; its services are what the pipeline is built on.
        var web = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        Gale.Host.Hosting.GaleWebApp.AddServices(web.Services, app.Account);
        web.Services.AddSingleton(app).AddSingleton<GaleWebPipeline>();
        return new FunctionAppHarness(host, web.Build(), app, folder);
    }

    /// <summary>Sends a request to the HTTP function <paramref name="function"/> as the worker would; returns the status and body.</summary>
    public async Task<(int Status, string Body, IHeaderDictionary Headers)> SendAsync(Func<WebFunctions, HttpRequest, DurableTaskClient, Task<Microsoft.AspNetCore.Mvc.IActionResult>> function, string method, string path, string? json = null, string? apiKey = AdminKey, IReadOnlyDictionary<string, string>? headers = null)
    {
        var context = new DefaultHttpContext { RequestServices = _web.Services };
        var query = path.IndexOf('?', StringComparison.Ordinal);
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 7071);
        context.Request.Path = query < 0 ? path : path[..query];
        context.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]);
        // What the client sent, before decoding (the raw path guard reads it).
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = path;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Request.Headers[name] = value;
        }

        if (apiKey is not null)
        {
            context.Request.Headers["X-API-Key"] = apiKey;
        }

        if (json is not null)
        {
            context.Request.ContentType = "application/json";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));
        }

        var body = new MemoryStream();
        context.Response.Body = body;
        var result = await function(Web, context.Request, Client);
        Assert.IsType<Microsoft.AspNetCore.Mvc.EmptyResult>(result);
        return (context.Response.StatusCode, Encoding.UTF8.GetString(body.ToArray()), context.Response.Headers);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _web.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
