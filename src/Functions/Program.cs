using Gale.Functions.Cli;

return await GaleCli.RunAsync(args);
