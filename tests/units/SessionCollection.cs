using Xunit;

namespace Multiproc.Tests;

/// <summary>Tests that use the process's one session (its served objects, its directory) run alone: one ends it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SessionCollection
{
    public const string Name = "The session";
}
