using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static Dispatch.Deployment.Tests.Repository;

namespace Dispatch.Deployment.Tests;

/// <summary>
/// docker-compose.yml and the Dockerfiles, checked statically (no Docker engine runs here): every service is
/// built from a multi-stage, non-root Dockerfile, has a health check, sets only keys its code reads, and its
/// ports agree across the configuration, the health check, the Dockerfile and the published ports. Redis is a
/// cluster of six nodes formed by a one-shot init that waits for them all, and every service lists every node;
/// docker-compose.single.yml swaps the cluster for one redis-server.
/// </summary>
public partial class ComposeTests
{
    private static readonly YamlMappingNode Compose = Documents("docker-compose.yml").Single();
    private static YamlMappingNode Services => (YamlMappingNode)Compose.At("services")!;
    private static readonly YamlMappingNode Single = Documents("docker-compose.single.yml").Single();
    private const string ClusterInit = "redis-cluster-init";

    /// <summary>The services that run a Redis Cluster node: <c>--cluster-enabled yes</c> on redis-server.</summary>
    private static List<string> RedisNodes =>
        [
            .. Services
                .Children.Where(s => Flag(Arguments(s.Value, "command"), "--cluster-enabled") == "yes")
                .Select(s => ((YamlScalarNode)s.Key).Value!),
        ];

    private static List<string> Arguments(YamlNode node, params string[] path) =>
        [.. node.Items(path).Select(i => ((YamlScalarNode)i).Value!)];

    /// <summary>The value after <paramref name="flag"/> in a command line, or null when it is not there.</summary>
    private static string? Flag(List<string> command, string flag) =>
        command.IndexOf(flag) is var at and >= 0 && at + 1 < command.Count ? command[at + 1] : null;

    /// <summary>Where clients reach a node: its service name and the port redis-server listens on.</summary>
    private static string Endpoint(string node) =>
        $"{node}:{Flag(Arguments(Services.At(node)!, "command"), "--port") ?? "6379"}";

    private static Dictionary<string, string?> DependsOn(YamlNode service) =>
        service.At("depends_on") is YamlMappingNode dependencies
            ? dependencies.Children.ToDictionary(d => ((YamlScalarNode)d.Key).Value!, d => d.Value.Text("condition"))
            : [];

    private static readonly Dictionary<string, string> ProjectOf = new()
    {
        ["silo1"] = "Silo",
        ["silo2"] = "Silo",
        ["ingest"] = "Ingest",
        ["api"] = "Api",
        ["simulator"] = "Simulator",
    };

    private static Dictionary<string, string> Environment(YamlNode service) =>
        service.At("environment") is YamlMappingNode env
            ? env
                .Children.Where(c => c.Key is YamlScalarNode { Value: not "<<" })
                .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value!)
            : [];

    /// <summary>The anchors' shared environment merged in, as Compose does.</summary>
    private static Dictionary<string, string> MergedEnvironment(YamlNode service)
    {
        var merged = new Dictionary<string, string>();
        if (service.At("environment", "<<") is YamlMappingNode shared)
            foreach (var (k, v) in shared.Children)
                merged[((YamlScalarNode)k).Value!] = ((YamlScalarNode)v).Value!;
        foreach (var (k, v) in Environment(service))
            merged[k] = v;
        return merged;
    }

    [Fact]
    public void The_system_has_six_redis_nodes_their_init_two_silos_ingest_api_the_simulator_and_a_telemetry_dashboard()
    {
        var names = Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
        Assert.Equal(
            [
                "redis-0",
                "redis-1",
                "redis-2",
                "redis-3",
                "redis-4",
                "redis-5",
                ClusterInit,
                "silo1",
                "silo2",
                "ingest",
                "api",
                "simulator",
                "dashboard",
            ],
            names
        );
        Assert.Equal(names.Take(6), RedisNodes);
        Assert.All(
            ProjectOf.Keys.Where(s => s != "simulator"),
            s =>
                Assert.Equal(
                    "http://dashboard:18889",
                    MergedEnvironment(Services.At(s)!)["OTEL_EXPORTER_OTLP_ENDPOINT"]
                )
        );
    }

    [Fact]
    public void Every_long_running_service_has_a_health_check_and_every_built_one_a_dockerfile_that_exists()
    {
        foreach (var (key, service) in Services.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (service.Text("restart") == "no")
            {
                // A one-shot is done when it exits: whoever needs it waits for it to complete, not to be healthy.
                Assert.Contains(
                    Services.Children.Values,
                    s => DependsOn(s).GetValueOrDefault(name) == "service_completed_successfully"
                );
                continue;
            }
            Assert.True(service.At("healthcheck", "test") is not null, $"{name} has no health check");
            if (service.At("build") is null)
                continue;
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
                    Assert.True(
                        known.Contains(key),
                        $"{service}: {variable} sets {key}, which Dispatch.{project} does not read"
                    );
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
            foreach (var key in portKeys)
                Assert.Contains(env[key], exposed);
            foreach (var published in service.Items("ports").Select(p => ((YamlScalarNode)p).Value!))
            {
                Assert.StartsWith("127.0.0.1:", published); // the demo users must not face the network
                Assert.Contains(published.Split(':')[^1], portKeys.Select(k => env[k]));
            }
            Assert.Contains(
                $"127.0.0.1:{env[healthKey]}/health/ready",
                File.ReadAllText(PathOf($"services/Dispatch.{ProjectOf[name]}/Dockerfile"))
            );
        }
        var ingestPort = MergedEnvironment(Services.At("ingest")!)["Ingest__Port"];
        Assert.Contains(
            $"http://ingest:{ingestPort}",
            Services.At("simulator")!.Items("command").Select(i => ((YamlScalarNode)i).Value)
        );
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

    [Fact]
    public void Every_redis_node_runs_in_cluster_mode_with_an_append_only_file_on_a_volume_of_its_own()
    {
        var volumes = new List<string>();
        foreach (var node in RedisNodes)
        {
            var service = Services.At(node)!;
            var command = Arguments(service, "command");
            Assert.Equal("redis-server", command[0]);
            Assert.Equal(("yes", "everysec"), (Flag(command, "--appendonly"), Flag(command, "--appendfsync")));
            var mount = Assert.Single(Arguments(service, "volumes"));
            volumes.Add(mount.Split(':')[0]);
            var data = mount.Split(':')[1];
            Assert.Equal(data, Flag(command, "--dir"));
            // The node's view of the cluster must outlive the container, or a recreated node would be a stranger.
            Assert.StartsWith($"{data}/", Flag(command, "--cluster-config-file"));
            Assert.NotNull(Flag(command, "--cluster-node-timeout"));
            Assert.Contains("ping", string.Join(' ', Arguments(service, "healthcheck", "test")));
            Assert.NotNull(Compose.At("volumes", volumes[^1]));
        }
        Assert.Equal(volumes.Distinct(), volumes);
    }

    [Fact]
    public void Every_service_lists_every_redis_node_in_its_connection_string()
    {
        var nodes = RedisNodes.Select(Endpoint).Order().ToList();
        Assert.Equal(6, nodes.Count);
        foreach (var service in ProjectOf.Keys.Where(s => s != "simulator"))
            Assert.Equal(nodes, MergedEnvironment(Services.At(service)!)["Redis__ConnectionString"].Split(',').Order());
    }

    [Fact]
    public void The_cluster_init_waits_for_every_healthy_node_gives_each_primary_a_replica_and_the_silos_wait_for_it()
    {
        var init = Services.At(ClusterInit)!;
        var nodes = RedisNodes;
        Assert.Equal(nodes.ToDictionary(n => n, _ => (string?)"service_healthy"), DependsOn(init));
        Assert.Equal(nodes.Select(Endpoint), Environment(init)["NODES"].Split(' '));
        var script = Assert.Single(Arguments(init, "command"));
        Assert.Contains("redis-cli --cluster create $$NODES --cluster-replicas 1 --cluster-yes", script);
        Assert.Contains("cluster meet", script); // run again, it re-introduces the nodes instead
        // Compose reads "$NAME" in the file as its own variables: every "$" meant for the shell is doubled.
        Assert.DoesNotContain("$", script.Replace("$$", ""));
        foreach (var silo in new[] { "silo1", "silo2" })
            Assert.Equal("service_completed_successfully", DependsOn(Services.At(silo)!)[ClusterInit]);
    }

    [Fact]
    public void The_single_redis_override_swaps_the_cluster_for_one_redis_server()
    {
        var overrides = (YamlMappingNode)Single.At("services")!;
        var redis = overrides.At("redis")!;
        var command = Arguments(redis, "command");
        Assert.Equal(
            ("redis-server", "yes", null),
            (command[0], Flag(command, "--appendonly"), Flag(command, "--cluster-enabled"))
        );
        Assert.NotNull(redis.At("healthcheck", "test"));
        Assert.NotNull(Single.At("volumes", Arguments(redis, "volumes").Single().Split(':')[0]));
        var cluster = RedisNodes.Append(ClusterInit).ToList();
        foreach (var name in cluster)
            Assert.NotEmpty(overrides.At(name)!.Items("profiles"));
        foreach (var (key, service) in Services.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (MergedEnvironment(service).ContainsKey("Redis__ConnectionString"))
                Assert.Equal("redis:6379", Environment(overrides.At(name)!)["Redis__ConnectionString"]);
            if (!DependsOn(service).Keys.Intersect(cluster).Any() || cluster.Contains(name))
                continue;
            // Compose merges depends_on of an override into the base: only !override drops the wait for the cluster.
            var dependsOn = overrides.At(name, "depends_on")!;
            Assert.Equal("!override", dependsOn.Tag.Value);
            Assert.Equal(
                new Dictionary<string, string?> { ["redis"] = "service_healthy" },
                DependsOn(overrides.At(name)!)
            );
        }
    }

    public static IReadOnlyList<string> ExposedPorts(string project) =>
        [
            .. ExposeLine()
                .Matches(File.ReadAllText(PathOf($"services/Dispatch.{project}/Dockerfile")))
                .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
        ];

    [GeneratedRegex(@"(?m)^FROM ")]
    private static partial Regex FromLine();

    [GeneratedRegex(@"(?m)^EXPOSE (.+)$")]
    private static partial Regex ExposeLine();
}
