namespace Multiproc.Ipc;

/// <summary>One received message: its type and its body (the serialized payload).</summary>
internal readonly record struct Frame(FrameType Type, byte[] Body);
