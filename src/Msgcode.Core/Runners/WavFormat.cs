using System.Buffers.Binary;

namespace Msgcode.Core.Runners;

/// <summary>
/// Reads the format of a RIFF/WAVE file's header: speech engines (pocketsphinx, whisper.cpp) take 16 kHz mono 16-bit
/// PCM, and a file that already is so needs no conversion, which is the asr runner's largest saving.
/// </summary>
public static class WavFormat
{
    /// <summary>Whether the file is a 16 kHz mono 16-bit PCM WAV (false for any other file, or one that cannot be read).</summary>
    public static bool IsSpeechReady(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096);
            var header = new byte[4096];
            var length = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            return IsSpeechReady(header.AsSpan(0, length));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The same for the first bytes of a file (its chunks up to and with "fmt ").</summary>
    public static bool IsSpeechReady(ReadOnlySpan<byte> header)
    {
        if (header.Length < 12 || !header[..4].SequenceEqual("RIFF"u8) || !header[8..12].SequenceEqual("WAVE"u8))
        {
            return false;
        }

        var offset = 12;
        while (offset + 8 <= header.Length)
        {
            var id = header.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(header.Slice(offset + 4, 4));
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || offset + 8 + 16 > header.Length)
                {
                    return false;
                }

                var fmt = header.Slice(offset + 8, 16);
                var audioFormat = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
                var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
                var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
                var bitsPerSample = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
                return audioFormat == 1 && channels == 1 && sampleRate == 16000 && bitsPerSample == 16;
            }

            if (size > int.MaxValue - offset - 9)
            {
                return false;
            }

            offset += 8 + (int)size + (int)(size & 1); // chunks are padded to an even length
        }

        return false;
    }
}
