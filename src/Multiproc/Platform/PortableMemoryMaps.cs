using System;
using System.IO;
using System.IO.MemoryMappedFiles;

namespace Multiproc.Platform;

/// <summary>.NET's MemoryMappedFile, closed once its view is made: the view keeps the memory, and no descriptor is held.</summary>
internal sealed unsafe class PortableMemoryMaps : IMemoryMaps
{
    public byte* Map(string path, long size, out IDisposable? mapping)
    {
        // Shared for writing and deleting, as every process of the session maps it and its maker deletes it.
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        MemoryMappedFile file;
        try
        {
            if (stream.Length < size) throw new IOException($"The file '{path}' is shorter ({stream.Length} bytes) than the {size} bytes to map.");
            file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        try
        {
            var view = file.CreateViewAccessor(0, size, MemoryMappedFileAccess.ReadWrite);
            byte* address = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref address);
            mapping = new View(view);
            return address;
        }
        finally { file.Dispose(); }   // the view holds the memory; the file's handle would hold a descriptor
    }

    public void Unmap(byte* address, long size, IDisposable? mapping) => mapping?.Dispose();

    private sealed class View(MemoryMappedViewAccessor view) : IDisposable
    {
        public void Dispose()
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
        }
    }
}
