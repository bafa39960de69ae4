using System.Text;
using Multiproc.Processes;
using Xunit;

namespace Multiproc.Tests;

// Where the cursor ends after a child's text is written above an idle prompt, as a terminal of 80 x 24 places it.
public class TerminalCursorTests
{
    private static (int Left, int Top) After(string text, int left = 0, int top = 5) =>
        TerminalCursor.After(Encoding.UTF8.GetBytes(text), left, top, width: 80, height: 24);

    [Theory]
    [InlineData("plain line\n", 0, 6)]
    [InlineData("no end", 6, 5)]
    [InlineData("two\nlines\n", 0, 7)]
    [InlineData("back\rXY", 2, 5)]
    [InlineData("a\tb", 9, 5)]
    public void Follows_plain_text(string text, int left, int top) => Assert.Equal((left, top), After(text));

    [Fact]
    public void Escape_sequences_take_no_room()
    {
        Assert.Equal((0, 6), After("\x1b[92min colour\x1b[39;49m\n"));
        Assert.Equal((5, 5), After("\x1b]0;a title\x07title"));
        Assert.Equal((2, 5), After("\x1b]8;;http://x\x1b\\ab"));
        Assert.Equal((2, 5), After("\x1b(Bab"));           // tput sgr0's character set choice
        Assert.Equal((1, 5), After("\x1bPq#0\x1b\\a"));   // a device control string
        Assert.Equal((1, 5), After("a\u0085"));           // a C1 control
    }

    [Fact]
    public void Wide_characters_take_two_cells_and_combining_marks_none()
    {
        Assert.Equal((4, 5), After("日本"));
        Assert.Equal((2, 5), After("\U0001F680"));
        Assert.Equal((1, 5), After("e\u0301"));
        Assert.Equal((3, 5), After("héé".Normalize(NormalizationForm.FormC)));
    }

    [Fact]
    public void A_full_line_wraps_at_the_next_character_not_at_its_end()
    {
        Assert.Equal((79, 5), After(new string('x', 80)));          // the last column, waiting to wrap
        Assert.Equal((0, 6), After(new string('x', 80) + "\n"));    // one line, not two
        Assert.Equal((1, 6), After(new string('x', 81)));
        Assert.Equal((2, 6), After(new string('x', 79) + "日"));    // a wide character that does not fit goes on the next line
    }

    [Fact]
    public void At_the_bottom_the_screen_scrolls()
    {
        Assert.Equal((0, 23), After("a\nb\nc\n", top: 22));
    }
}
