-- wrk script for bench/load.py: prints the 95th percentile latency (wrk prints 50/75/90/99
-- only) and, when given a file of paths after `--`, requests them in turn instead of one URL.
local paths = {}
local counter = 0

function init(args)
  if args[1] then
    for line in io.lines(args[1]) do
      paths[#paths + 1] = line
    end
  end
end

function request()
  if #paths == 0 then
    return wrk.request()
  end
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end

function done(summary, latency, requests)
  io.write(string.format("P95_US %d\n", latency:percentile(95)))
  io.write(string.format("P50_US %d\n", latency:percentile(50)))
  io.write(string.format("ERRORS %d\n", summary.errors.status + summary.errors.timeout
    + summary.errors.connect + summary.errors.read + summary.errors.write))
end
