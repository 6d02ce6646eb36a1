using System.Reflection;

namespace Dispatch.Deployment.Tests;

/// <summary>
/// The reference graph is the architecture: Domain (pure) ← Abstractions ← Grains ← Silo; the stores in
/// Infrastructure; ServiceDefaults knows neither the domain nor a store nor Orleans; the client services (ingest
/// and API) never compile in the grains or the silo's providers.
/// </summary>
public class ArchitectureTests
{
    private static readonly Assembly Domain = typeof(Dispatch.Domain.Lifecycle).Assembly;
    private static readonly Assembly Abstractions = typeof(Dispatch.Abstractions.IIncidentGrain).Assembly;
    private static readonly Assembly Grains = typeof(Dispatch.Grains.IncidentGrain).Assembly;
    private static readonly Assembly Infrastructure = typeof(Dispatch.Infrastructure.KeySpace).Assembly;
    private static readonly Assembly ServiceDefaults = typeof(Dispatch.ServiceDefaults.Health).Assembly;
    private static readonly Assembly Ingest = typeof(Dispatch.Ingest.IngestHosting).Assembly;
    private static readonly Assembly Api = typeof(Dispatch.Api.ApiHosting).Assembly;

    /// <summary>What a client of the cluster must never carry: the grains and the silo's own providers.</summary>
    private static readonly string[] SiloOnly =
    [
        "Dispatch.Grains",
        "Dispatch.Silo",
        "Orleans.Persistence.Redis",
        "Orleans.Reminders.Redis",
        "Orleans.Reminders",
        "Orleans.Dashboard",
        "Orleans.Hosting.Kubernetes",
        "Orleans.Server",
    ];

    [Fact]
    public void The_domain_references_nothing_but_the_base_library() =>
        Assert.All(
            Direct(Domain),
            name =>
                Assert.True(name.StartsWith("System", StringComparison.Ordinal), $"Dispatch.Domain references {name}")
        );

    [Fact]
    public void Abstractions_know_the_domain_and_orleans_contracts_only() =>
        Assert.All(
            Direct(Abstractions),
            name =>
                Assert.True(
                    name.StartsWith("System", StringComparison.Ordinal)
                        || name.StartsWith("Orleans.", StringComparison.Ordinal)
                        || name
                            is "Dispatch.Domain"
                                or "Microsoft.Extensions.DependencyInjection.Abstractions"
                                or "Microsoft.Extensions.Options",
                    $"Dispatch.Abstractions references {name}"
                )
        );

    [Fact]
    public void Grains_depend_on_ports_not_on_a_store() =>
        Assert.DoesNotContain(Direct(Grains), name => name is "StackExchange.Redis" or "Dispatch.Infrastructure");

    [Fact]
    public void Service_defaults_know_no_domain_no_store_and_no_orleans() =>
        Assert.DoesNotContain(
            Direct(ServiceDefaults),
            name =>
                name.StartsWith("Dispatch.", StringComparison.Ordinal)
                || name.StartsWith("Orleans", StringComparison.Ordinal)
                || name.StartsWith("StackExchange", StringComparison.Ordinal)
        );

    [Fact]
    public void Infrastructure_never_references_the_grains() =>
        Assert.DoesNotContain(Closure(Infrastructure), name => SiloOnly.Contains(name));

    [Fact]
    public void Ingest_and_api_are_clients_that_never_carry_the_grains_or_the_silo() =>
        Assert.All(
            new[] { Ingest, Api },
            service => Assert.DoesNotContain(Closure(service), name => SiloOnly.Contains(name))
        );

    private static IReadOnlyList<string> Direct(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n is not ("netstandard" or "mscorlib"))];

    /// <summary>Every assembly reachable from <paramref name="root"/> through references, by name.</summary>
    private static HashSet<string> Closure(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<AssemblyName>(root.GetReferencedAssemblies());
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next.Name!) || next.Name!.StartsWith("System", StringComparison.Ordinal))
                continue;
            Assembly loaded;
            try
            {
                loaded = Assembly.Load(next);
            }
            catch (FileNotFoundException)
            {
                continue; // a facade or a framework assembly the runtime resolves elsewhere
            }
            foreach (var reference in loaded.GetReferencedAssemblies())
                pending.Push(reference);
        }
        return seen;
    }
}
