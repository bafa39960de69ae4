using System;
using System.Globalization;
using System.Text;

namespace Multiproc.Processes;

/// <summary>Where a terminal's cursor ends after some text is written, worked out from the text.</summary>
/// <remarks>
/// .NET follows the cursor through what it writes only while the text is plain ASCII in short writes; an
/// escape sequence, any other character or a long write makes it ask the terminal, and at a PSReadLine
/// prompt on Unix that question waits for the next key (the thread reading keys holds the input). Text a
/// child printed has colours and any characters, so its end is reckoned here, as a terminal places them:
/// escape sequences take no room, wide characters two cells, a full line wraps at the next character.
/// </remarks>
internal static class TerminalCursor
{
    private const byte Escape = 0x1b;

    /// <summary>The cursor's position after <paramref name="utf8"/> is written from (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public static (int Left, int Top) After(ReadOnlySpan<byte> utf8, int left, int top, int width, int height)
    {
        bool wrapPending = false;   // the last column is written: the next character goes on the next line
        while (!utf8.IsEmpty)
        {
            if (utf8[0] == Escape)
            {
                utf8 = utf8[EscapeLength(utf8)..];
                continue;
            }
            Rune.DecodeFromUtf8(utf8, out var rune, out int used);
            utf8 = utf8[used..];
            switch (rune.Value)
            {
                case '\n': NewLine(); break;   // the terminal's line discipline adds the carriage return
                case '\r': (left, wrapPending) = (0, false); break;
                case '\b': if (left > 0 && !wrapPending) left--; wrapPending = false; break;
                case '\t': left = Math.Min(width - 1, (left / 8 + 1) * 8); wrapPending = false; break;
                default:
                    int cells = Cells(rune);
                    if (cells == 0) break;
                    if (wrapPending || left + cells > width) NewLine();
                    left += cells;
                    if (left >= width) (left, wrapPending) = (width - 1, true);
                    break;
            }
        }
        return (left, top);

        void NewLine()
        {
            (left, wrapPending) = (0, false);
            top = Math.Min(top + 1, height - 1);   // at the bottom the screen scrolls
        }
    }

    // CSI (ESC [ ... final byte); a string (OSC ESC ], DCS ESC P, SOS ESC X, PM ESC ^, APC ESC _) up to BEL or
    // ESC \; otherwise ESC, intermediate bytes (as in ESC ( B) and one final byte.
    private static int EscapeLength(ReadOnlySpan<byte> text)
    {
        if (text.Length < 2) return text.Length;
        int i = 2;
        switch (text[1])
        {
            case (byte)'[':
                while (i < text.Length && (text[i] < 0x40 || text[i] > 0x7e)) i++;
                return Math.Min(i + 1, text.Length);
            case (byte)']' or (byte)'P' or (byte)'X' or (byte)'^' or (byte)'_':
                while (i < text.Length && text[i] != 0x07 && !(text[i] == Escape && i + 1 < text.Length && text[i + 1] == '\\')) i++;
                return Math.Min(text.Length, i < text.Length && text[i] == Escape ? i + 2 : i + 1);
            default:
                i = 1;
                while (i < text.Length && text[i] is >= 0x20 and <= 0x2f) i++;
                return Math.Min(i + 1, text.Length);
        }
    }

    // The cells a character takes: none for controls and combining marks, two for East Asian wide ones and emoji.
    private static int Cells(Rune rune)
    {
        int c = rune.Value;
        if (c < 0x20 || c is >= 0x7f and <= 0x9f) return 0;   // C0 and C1 controls
        var category = Rune.GetUnicodeCategory(rune);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format) return 0;
        bool wide = c is >= 0x1100 and <= 0x115f or >= 0x2e80 and <= 0xa4cf or >= 0xac00 and <= 0xd7a3
            or >= 0xf900 and <= 0xfaff or >= 0xfe30 and <= 0xfe4f or >= 0xff00 and <= 0xff60 or >= 0xffe0 and <= 0xffe6
            or >= 0x1f300 and <= 0x1f64f or >= 0x1f680 and <= 0x1f6ff or >= 0x1f900 and <= 0x1f9ff or >= 0x1fa70 and <= 0x1faff
            or >= 0x20000 and <= 0x3fffd;
        return wide ? 2 : 1;
    }
}
