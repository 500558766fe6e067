namespace Warehouse.Simulation.Model;

/// <summary>The traits a person gives when they sign up or log in (identify).</summary>
internal sealed record SimPerson(string UserId, string FirstName, string LastName, string Email, DateTimeOffset CreatedAt, string Plan);
