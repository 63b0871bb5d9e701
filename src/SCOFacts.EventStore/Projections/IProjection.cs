using Npgsql;

namespace SCOFacts.EventStore.Projections;

/// <summary>
/// Turns events into rows. The same projection can run inline (inside each append's
/// transaction) or asynchronously (in the daemon, in commit order, in batches).
/// </summary>
/// <remarks>
/// Write to the tables in <see cref="Tables"/> by their unqualified names: a rebuild shadows
/// them with temporary tables of the same shape, so the projection's own SQL fills the
/// copy that is then compared with, or swapped for, the live rows.
/// </remarks>
public interface IProjection
{
    /// <summary>A stable name: the key of the projection's checkpoint.</summary>
    string Name { get; }

    /// <summary>The tables the projection owns and nothing else writes.</summary>
    IReadOnlyList<ProjectionTable> Tables { get; }

    /// <summary>Applies events, in order, inside the given transaction.</summary>
    Task ApplyAsync(NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken);
}

/// <summary>A table a projection owns.</summary>
/// <param name="Name">The table's unqualified name.</param>
/// <param name="IgnoredColumns">Columns a rebuild may legitimately produce differently (e.g. wall-clock times).</param>
public sealed record ProjectionTable(string Name, IReadOnlyList<string> IgnoredColumns)
{
    /// <summary>A table whose every column must rebuild identically.</summary>
    public ProjectionTable(string name) : this(name, []) { }
}
