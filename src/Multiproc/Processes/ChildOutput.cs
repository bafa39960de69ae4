using Multiproc.Ipc;

namespace Multiproc.Processes;

/// <summary>One item a child produced: a success-stream object (<see cref="Stream"/> null) or a record.</summary>
internal readonly record struct ChildOutput(StreamKind? Stream, object? Value);
