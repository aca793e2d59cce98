-- Frames matched by each display filter given as an argument, in one tshark run:
--   tshark -r FILE -q -X lua_script:filter_counts.lua -X lua_script1:FILTER1 -X lua_script1:FILTER2 ...
-- prints "filter_counts<TAB>N<TAB>frames" for the Nth filter at the end.
-- SPDX-License-Identifier: GPL-2.0-or-later
--
-- Each filter belongs to its own listener on the "frame" tap. Taps run after
-- the whole dissection, postdissectors included, and tshark primes the
-- fields a tap's filter names just as it does for -Y, on a tree that is not
-- shown: the count is what `tshark -Y FILTER` would print lines for.
local filters = { ... }
local counts = {}
for index, filter in ipairs(filters) do
    counts[index] = 0
    local listener = Listener.new("frame", filter)
    function listener.packet()
        counts[index] = counts[index] + 1
    end
    function listener.draw()
        print(string.format("filter_counts\t%d\t%d", index, counts[index]))
    end
end
