using System;

namespace Nabla.Checkpoints;

/// <summary>
/// A checkpoint file that cannot be read or written, or whose contents do not fit the model: the message is one line
/// naming the file and, when the problem is in one tensor, that tensor: line breaks in the message (from a file name or a
/// tensor name) are shown as the escapes \r, \n, \u2028….
/// </summary>
public sealed class CheckpointException : Exception
{
    /// <summary>The checkpoint file (or the source name given to <see cref="SafeTensors.Parse"/>).</summary>
    public string? Path { get; }

    /// <summary>The tensor the problem is in, if it is in one.</summary>
    public string? Tensor { get; }

    /// <summary>A problem with <paramref name="path"/>, optionally in <paramref name="tensor"/>; the message is used as given (on one line).</summary>
    public CheckpointException(string message, string? path = null, string? tensor = null, Exception? inner = null)
        : base(Nabla.IO.OneLine.Of(message), inner)
    {
        Path = path;
        Tensor = tensor;
    }
}
