using System;

namespace Multiproc.Platform;

/// <summary>Mapping a file into memory, shared with every process that maps it.</summary>
internal unsafe interface IMemoryMaps
{
    /// <summary>Maps the first <paramref name="size"/> bytes of the file at <paramref name="path"/>.</summary>
    /// <param name="mapping">What must live while the memory is used, handed back to <see cref="Unmap"/>.</param>
    /// <exception cref="System.IO.IOException">The file is missing, too short, or cannot be mapped.</exception>
    byte* Map(string path, long size, out IDisposable? mapping);

    void Unmap(byte* address, long size, IDisposable? mapping);
}
