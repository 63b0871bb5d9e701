using JasperFx;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Wolverine.Runtime;

namespace SCOFacts.Api.Storage;

/// <summary>
/// Says on <c>/health/ready</c> which daemon shards run in this process and, under Wolverine's distribution, which of
/// the rows in <c>wolverine.wolverine_nodes</c> is this process: with several nodes, that is the only way to tell
/// from outside where the sealer is. Always healthy: a node running no shard is a normal state.
/// </summary>
internal sealed class NodeHealthCheck(DaemonHost host, IConfiguration configuration, IServiceProvider services) : IHealthCheck
{
    /// <summary>The scheme of the agent addresses Wolverine gives the shards it assigns.</summary>
    public const string AgentScheme = "event-subscriptions";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // With the daemon off there is nothing to report, and asking Marten for its daemon would build one.
        if (!configuration.GetValue(DaemonHost.EnabledSetting, true))
            return Task.FromResult(HealthCheckResult.Healthy("The async daemon is off in this process; running: "));
        if (host.Distribution == NodeDistribution.Wolverine)
        {
            var runtime = services.GetRequiredService<IWolverineRuntime>();
            var agents = runtime.Agents.AllRunningAgentUris()
                .Where(u => u.Scheme == AgentScheme)
                .Select(u => u.ToString())
                .Order(StringComparer.Ordinal);
            return Task.FromResult(HealthCheckResult.Healthy(
                $"Wolverine node {runtime.Options.UniqueNodeId} (number {runtime.Options.Durability.AssignedNodeNumber}); running: {string.Join(", ", agents)}"));
        }

        var coordinator = services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>();
        var shards = coordinator?.DaemonForMainDatabase().CurrentAgents()
            .Where(a => a.Status == AgentStatus.Running)
            .Select(a => a.Name.Identity)
            .Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>();
        return Task.FromResult(HealthCheckResult.Healthy($"HotCold; running: {string.Join(", ", shards)}"));
    }
}
