using Gale.Functions.Cli;

return await GaleCli.Build().Parse(args).InvokeAsync();
