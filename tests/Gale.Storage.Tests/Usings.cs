global using Gale.Testing;
