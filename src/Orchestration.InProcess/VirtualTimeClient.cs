using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;

namespace Gale.Orchestration.InProcess;

/// <summary>The <see cref="DurableTaskClient"/> of a <see cref="VirtualTimeTaskHub"/>: start, raise, read and query its instances.</summary>
internal sealed class VirtualTimeClient(VirtualTimeTaskHub hub) : DurableTaskClient("virtual-time")
{
    private readonly DataConverter _converter = JsonDataConverter.Default;

    public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        var refused = options?.DedupeStatuses?.Select(Enum.Parse<OrchestrationRuntimeStatus>).ToHashSet() ?? [];
        if (hub.View(instanceId) is { } existing && refused.Contains((OrchestrationRuntimeStatus)(int)existing.Status))
        {
            throw new InvalidOperationException($"an orchestration with instance id '{instanceId}' exists ({existing.Status})");
        }

        hub.Start(orchestratorName.Name, instanceId, _converter.Serialize(input));
        return Task.FromResult(instanceId);
    }

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        hub.Raise(instanceId, eventName, _converter.Serialize(eventPayload));
        return Task.CompletedTask;
    }

    public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Task.FromResult(hub.View(instanceId) is { } view ? Metadata(view, getInputsAndOutputs) : null);

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Pageable.Create<OrchestrationMetadata>((continuation, pageSize, _) =>
        {
            var skip = int.TryParse(continuation, out var s) ? s : 0;
            var size = pageSize ?? filter?.PageSize ?? OrchestrationQuery.DefaultPageSize;
            var statuses = filter?.Statuses?.ToHashSet();
            var matching = hub.Views()
                .Where(v => filter?.InstanceIdPrefix is not { } prefix || v.InstanceId.StartsWith(prefix, StringComparison.Ordinal))
                .Where(v => statuses is null || statuses.Contains((OrchestrationRuntimeStatus)(int)v.Status))
                .OrderBy(v => v.InstanceId, StringComparer.Ordinal)
                .ToList();
            var page = matching.Skip(skip).Take(size).Select(v => Metadata(v, filter?.FetchInputsAndOutputs ?? false)).ToList();
            var next = skip + size < matching.Count ? (skip + size).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            return Task.FromResult(new Page<OrchestrationMetadata>(page, next));
        });

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        PollAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        PollAsync(instanceId, getInputsAndOutputs, m => m.IsCompleted, cancellation);

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        throw new NotSupportedException("the virtual-time hub does not suspend instances");

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        throw new NotSupportedException("the virtual-time hub does not suspend instances");

    public override Task<IList<DurableTask.Core.History.HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default) =>
        Task.FromResult<IList<DurableTask.Core.History.HistoryEvent>>(hub.History(instanceId) ?? throw new ArgumentException($"no orchestration instance '{instanceId}'", nameof(instanceId)));

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<OrchestrationMetadata> PollAsync(string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> done, CancellationToken cancellation)
    {
        while (true)
        {
            if (await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation) is { } metadata && done(metadata))
            {
                return metadata;
            }

            await Task.Delay(10, cancellation);
        }
    }

    private OrchestrationMetadata Metadata(VirtualTimeTaskHub.InstanceView view, bool withData) => new(view.Name, view.InstanceId)
    {
        DataConverter = _converter,
        RuntimeStatus = (OrchestrationRuntimeStatus)(int)view.Status,
        CreatedAt = view.Created,
        LastUpdatedAt = view.LastUpdated,
        SerializedInput = withData ? view.Input : null,
        SerializedOutput = withData ? view.Output : null,
        SerializedCustomStatus = view.CustomStatus,
        FailureDetails = view.Failure is { } f ? new TaskFailureDetails(f.ErrorType, f.ErrorMessage, f.StackTrace, null, null) : null,
    };
}
