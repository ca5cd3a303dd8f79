using FluentValidation.Results;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Common;

public enum FailureKind { Validation, NotFound, Conflict, LimitExceeded }

/// <summary>
/// Why a use case refused. The portal turns it into ModelState messages, the API into problem+json
/// (400, 404, 409, 422), so both say exactly the same thing.
/// </summary>
public sealed record Failure(FailureKind Kind, IReadOnlyDictionary<string, string[]> Errors, string Message)
{
    public static Failure NotFound(string what) => new(FailureKind.NotFound, Empty, $"{what} was not found.");

    public static Failure Conflict(string field, string message) =>
        new(FailureKind.Conflict, new Dictionary<string, string[]> { [field] = [message] }, message);

    public static Failure Limit(LimitViolation v, string field) =>
        new(FailureKind.LimitExceeded, new Dictionary<string, string[]> { [field] = [v.Message] }, v.Message);

    public static Failure Invalid(string field, string message) =>
        new(FailureKind.Validation, new Dictionary<string, string[]> { [field] = [message] }, message);

    public static Failure FromValidation(ValidationResult result) => new(
        FailureKind.Validation,
        result.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()),
        "One or more fields are not valid.");

    private static readonly IReadOnlyDictionary<string, string[]> Empty = new Dictionary<string, string[]>();
}

/// <summary>Either a value or a <see cref="Failure"/>.</summary>
public readonly struct ServiceResult<T>
{
    private ServiceResult(T? value, Failure? failure) { Value = value; Failure = failure; }

    public T? Value { get; }
    public Failure? Failure { get; }
    public bool Succeeded => Failure is null;

    public static implicit operator ServiceResult<T>(T value) => new(value, null);
    public static implicit operator ServiceResult<T>(Failure failure) => new(default, failure);
}

/// <summary>A use case that returns nothing on success.</summary>
public readonly record struct Done;
