using Gale.Functions;
using Gale.Host.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Storage, DAGs and credentials are read once per worker, before the first invocation (a bad setting stops the worker
// with a message naming it, as gale serve does).
using var startupLoggers = LoggerFactory.Create(b => b.AddConsole());
var app = await GaleFunctionApp.LoadAsync(Environment.GetEnvironmentVariable, Path.Combine(AppContext.BaseDirectory, "dags"), TimeProvider.System, startupLoggers);
builder.Services.AddSingleton(app);
builder.Services.AddSingleton<GaleWebPipeline>();
GaleWebApp.AddServices(builder.Services, app.Account);

await builder.Build().RunAsync();
