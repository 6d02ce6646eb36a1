using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static Dispatch.Deployment.Tests.Repository;

namespace Dispatch.Deployment.Tests;

/// <summary>
/// docker-compose.yml and the Dockerfiles, checked statically (no Docker engine runs here): every service is
/// built from a multi-stage, non-root Dockerfile, has a health check, sets only keys its code reads, and its
/// ports agree across the configuration, the health check, the Dockerfile and the published ports.
/// </summary>
public partial class ComposeTests
{
    private static readonly YamlMappingNode Compose = Documents("docker-compose.yml").Single();
    private static YamlMappingNode Services => (YamlMappingNode)Compose.At("services")!;

    private static readonly Dictionary<string, string> ProjectOf = new()
    {
        ["silo1"] = "Silo", ["silo2"] = "Silo", ["ingest"] = "Ingest", ["api"] = "Api", ["simulator"] = "Simulator",
    };

    private static Dictionary<string, string> Environment(YamlNode service) =>
        service.At("environment") is YamlMappingNode env
            ? env.Children.Where(c => c.Key is YamlScalarNode { Value: not "<<" })
                .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value!)
            : [];

    /// <summary>The anchors' shared environment merged in, as Compose does.</summary>
    private static Dictionary<string, string> MergedEnvironment(YamlNode service)
    {
        var merged = new Dictionary<string, string>();
        if (service.At("environment", "<<") is YamlMappingNode shared)
            foreach (var (k, v) in shared.Children) merged[((YamlScalarNode)k).Value!] = ((YamlScalarNode)v).Value!;
        foreach (var (k, v) in Environment(service)) merged[k] = v;
        return merged;
    }

    [Fact]
    public void The_cluster_has_redis_two_silos_ingest_api_the_simulator_and_a_telemetry_dashboard()
    {
        var names = Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
        Assert.Equal(["redis", "silo1", "silo2", "ingest", "api", "simulator", "dashboard"], names);
        Assert.Contains("--appendonly", Services.At("redis")!.Items("command").Select(i => ((YamlScalarNode)i).Value));
        Assert.All(ProjectOf.Keys.Where(s => s != "simulator"), s =>
            Assert.Equal("http://dashboard:18889", MergedEnvironment(Services.At(s)!)["OTEL_EXPORTER_OTLP_ENDPOINT"]));
    }

    [Fact]
    public void Every_service_has_a_health_check_and_every_built_one_a_dockerfile_that_exists()
    {
        foreach (var (key, service) in Services.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            Assert.True(service.At("healthcheck", "test") is not null, $"{name} has no health check");
            if (service.At("build") is null) continue;
            var dockerfile = service.Text("build", "dockerfile")!;
            Assert.True(File.Exists(PathOf(dockerfile)), $"{name}: {dockerfile} does not exist");
            Assert.Equal($"services/Dispatch.{ProjectOf[name]}/Dockerfile", dockerfile);
        }
    }

    [Fact]
    public void Every_environment_variable_sets_a_key_the_service_reads()
    {
        foreach (var (service, project) in ProjectOf.Where(p => p.Value != "Simulator"))
        {
            var known = KeysOf(project);
            foreach (var variable in MergedEnvironment(Services.At(service)!).Keys)
                if (KeyOf(variable) is { } key)
                    Assert.True(known.Contains(key), $"{service}: {variable} sets {key}, which Dispatch.{project} does not read");
        }
    }

    [Fact]
    public void Ports_agree_between_configuration_health_checks_dockerfiles_and_published_ports()
    {
        (string Service, string HealthPortKey, string[] Ports)[] expectations =
        [
            ("silo1", "Silo__HttpPort", ["Orleans__SiloPort", "Orleans__GatewayPort", "Silo__HttpPort"]),
            ("ingest", "Ingest__HttpPort", ["Ingest__Port", "Ingest__HttpPort"]),
            ("api", "Api__HttpPort", ["Api__HttpPort", "Api__GrpcPort"]),
        ];
        foreach (var (name, healthKey, portKeys) in expectations)
        {
            var service = Services.At(name)!;
            var env = MergedEnvironment(service);
            var check = string.Join(' ', service.Items("healthcheck", "test").Select(i => ((YamlScalarNode)i).Value));
            Assert.Contains($"127.0.0.1:{env[healthKey]}/health/ready", check);
            var exposed = ExposedPorts(ProjectOf[name]);
            foreach (var key in portKeys) Assert.Contains(env[key], exposed);
            foreach (var published in service.Items("ports").Select(p => ((YamlScalarNode)p).Value!))
            {
                Assert.StartsWith("127.0.0.1:", published); // the demo users must not face the network
                Assert.Contains(published.Split(':')[^1], portKeys.Select(k => env[k]));
            }
            Assert.Contains($"127.0.0.1:{env[healthKey]}/health/ready", File.ReadAllText(PathOf($"services/Dispatch.{ProjectOf[name]}/Dockerfile")));
        }
        var ingestPort = MergedEnvironment(Services.At("ingest")!)["Ingest__Port"];
        Assert.Contains($"http://ingest:{ingestPort}", Services.At("simulator")!.Items("command").Select(i => ((YamlScalarNode)i).Value));
    }

    [Theory]
    [InlineData("Silo")]
    [InlineData("Ingest")]
    [InlineData("Api")]
    [InlineData("Simulator")]
    public void Each_dockerfile_builds_in_stages_and_runs_as_a_non_root_user(string project)
    {
        var text = File.ReadAllText(PathOf($"services/Dispatch.{project}/Dockerfile"));
        Assert.True(FromLine().Matches(text).Count >= 2, "one stage builds, another runs");
        Assert.Matches(@"(?m)^USER (?!root\b)\w+", text);
        Assert.Contains($"\"Dispatch.{project}.dll\"", text);
        Assert.Contains("HEALTHCHECK", text);
        Assert.Contains($"dotnet publish services/Dispatch.{project} ", text);
    }

    public static IReadOnlyList<string> ExposedPorts(string project) =>
        [.. ExposeLine().Matches(File.ReadAllText(PathOf($"services/Dispatch.{project}/Dockerfile"))).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    [GeneratedRegex(@"(?m)^FROM ")]
    private static partial Regex FromLine();

    [GeneratedRegex(@"(?m)^EXPOSE (.+)$")]
    private static partial Regex ExposeLine();
}
