using System;
using System.Collections.Concurrent;
using System.IO;

namespace Multiproc.Pipes;

/// <summary>The pipes this process uses, made here or handed to it, each mapped once.</summary>
internal static class OpenPipes
{
    private static readonly ConcurrentDictionary<string, PipeFile> s_files = new();
    private static readonly ConcurrentDictionary<string, PipeFile> s_made = new();
    private static readonly object s_gate = new();

    /// <summary>Makes a pipe in this session's private directory.</summary>
    /// <remarks>First releases the pipes whose ends were closed elsewhere: a parent that makes pipes for
    /// its children to use and close holds only those still open.</remarks>
    public static PipeFile Create()
    {
        foreach (var made in s_made.Values) made.Touch();
        PipeFile file;
        try { file = PipeFile.Create(Session.Current.PrivateDirectory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OpenFileLimit.Error(e, "make a pipe") ?? new MpNoRoomException(
                $"There is no room for a new pipe in '{Session.Current.PrivateDirectory}': {e.Message} " +
                "Free space in the temporary folder, or start pwsh with $env:TMPDIR set to a folder that has room.", Session.Current.PrivateDirectory, e);
        }
        s_files[file.Path] = file;
        s_made[file.Path] = file;
        return file;
    }

    /// <summary>This process's channel for an end of the pipe in <paramref name="path"/>.</summary>
    /// <exception cref="MpPipeClosedException">Both ends were closed, and its maker released it.</exception>
    /// <exception cref="MpObjectGoneException">The file is gone: the session that made the pipe has ended.</exception>
    public static EndChannel Get(string path, int end)
    {
        if (s_files.TryGetValue(path, out var file)) return file.End(end);
        lock (s_gate)
        {
            if (!s_files.TryGetValue(path, out file))
            {
                try { file = PipeFile.Open(path); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    // Its maker's directory is there, so its session lives: the maker released it, as both ends were closed.
                    if (e is FileNotFoundException && Directory.Exists(Path.GetDirectoryName(path)))
                        throw new MpPipeClosedException("This pipe is closed: both its ends were closed.", path, e);
                    throw new MpObjectGoneException("The pipe is gone: the session that made it has ended.", path, e);
                }
                s_files[path] = file;
            }
            return file.End(end);
        }
    }

    /// <summary>A pipe this process released (both ends closed); the one that made it deletes its file.</summary>
    public static void Forget(PipeFile file)
    {
        s_files.TryRemove(new(file.Path, file));
        if (!s_made.TryRemove(new(file.Path, file))) return;
        try { File.Delete(file.Path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>The session ends: the pipes it made close, in every process.</summary>
    public static void EndAll()
    {
        foreach (var (path, file) in s_made)
        {
            file.CloseBoth();
            s_made.TryRemove(path, out _);
        }
    }
}
