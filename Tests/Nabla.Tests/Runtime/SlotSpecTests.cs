using Nabla.Runtime;
using Xunit;

namespace Nabla.Tests.Runtime;

/// <summary>A slot's capacity is the largest of Factors[i]·B^Powers[i], saturating instead of wrapping past 64 bits.</summary>
public class SlotSpecTests
{
    [Fact]
    public void Capacity_is_the_largest_term_and_saturates_beyond_64_bits()
    {
        var s = new SlotSpec(new long[] { 4, 1000 }, new[] { 2, 1 });
        Assert.Equal(1000L, s.Capacity(1));         // max(4·1², 1000·1)
        Assert.Equal(100_000L, s.Capacity(100));    // 1000·100 > 4·100²
        Assert.Equal(4_000_000L, s.Capacity(1000)); // 4·1000² > 1000·1000
        // 4·B² at B = 1.6e9 is 1.024e19, beyond long: it used to wrap negative and be dropped, leaving 1.6e12.
        Assert.Equal(long.MaxValue, s.Capacity(1_600_000_000));
    }
}
