using Dispatch.Abstractions;
using Dispatch.Infrastructure;
using Dispatch.Ingest.Auth;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using DeviceStatus = Dispatch.Protos.V1.DeviceStatus;
using Domain = Dispatch.Domain;

namespace Dispatch.Ingest.Services;

/// <summary>Registration and lookup of gateways and devices, for administrators.</summary>
[Authorize(Policy = GatewayAuthentication.AdministratorPolicy)]
public sealed class DeviceRegistryService(IGrainFactory grains, GatewayRegistry gateways)
    : DeviceRegistry.DeviceRegistryBase
{
    public override async Task<GatewayCredentials> RegisterGateway(
        RegisterGatewayRequest request,
        ServerCallContext context
    )
    {
        if (string.IsNullOrWhiteSpace(request.GatewayId) || request.GatewayId.Length > Domain.AlertRules.MaxIdLength)
            throw Invalid("gateway_id", $"is required, at most {Domain.AlertRules.MaxIdLength} characters");
        var registration = await gateways.RegisterAsync(request.GatewayId, request.Name);
        return new GatewayCredentials { GatewayId = registration.GatewayId, Secret = registration.Secret };
    }

    public override async Task<DeviceStatus> RegisterDevice(DeviceRegistration request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.DeviceId))
            throw Invalid("device_id", "is required");
        if (string.IsNullOrWhiteSpace(request.GatewayId) || !await gateways.ExistsAsync(request.GatewayId))
            throw Problems.Refused(
                StatusCode.FailedPrecondition,
                Problems.Reasons.FailedPrecondition,
                $"gateway_id: gateway '{request.GatewayId}' is not registered; register it first",
                "gateway_id"
            );
        var registered = await grains
            .GetGrain<IDeviceGrain>(request.DeviceId)
            .RegisterAsync(
                new Domain.DeviceRegistration(
                    request.DeviceId,
                    request.GatewayId,
                    request.Scenario,
                    request.Kind,
                    request.Location.ToDomain(),
                    request.Street,
                    request.OwnerUnit
                )
            );
        return registered.Problem is { } problem
            ? throw Invalid(problem.Field, problem.Problem)
            : registered.Status!.ToProto();
    }

    public override async Task<DeviceStatus> GetDevice(GetDeviceRequest request, ServerCallContext context) =>
        (await grains.GetGrain<IDeviceGrain>(request.DeviceId).GetAsync())?.ToProto()
        ?? throw Problems.Refused(
            StatusCode.NotFound,
            Problems.Reasons.NotFound,
            $"device_id: device '{request.DeviceId}' is not registered",
            "device_id"
        );

    public override async Task<DeviceStatus> SetSilenced(SetSilencedRequest request, ServerCallContext context)
    {
        if (request.Silenced && string.IsNullOrWhiteSpace(request.Reason))
            throw Invalid("reason", "is required to silence a device");
        var device = grains.GetGrain<IDeviceGrain>(request.DeviceId);
        if (await device.GetAsync() is null)
            throw Problems.Refused(
                StatusCode.NotFound,
                Problems.Reasons.NotFound,
                $"device_id: device '{request.DeviceId}' is not registered",
                "device_id"
            );
        return (await device.SetSilencedAsync(request.Silenced, request.Reason)).ToProto();
    }

    private static RpcException Invalid(string field, string problem) => Problems.Invalid(field, problem);
}
