using Gale.Host.Cli;

return await GaleCli.RunAsync(args);
