using Gale.Bench;

return await BenchCli.RunAsync(args);
