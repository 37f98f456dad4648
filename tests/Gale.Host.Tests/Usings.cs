global using Gale.Testing;
global using Microsoft.AspNetCore.Builder;
