# Shared state, after Python's manager example: five children each write their id into a shared
# dictionary and append it to a shared list; the parent prints both.
#
#   from multiprocessing import Process, Manager
#   def f(d, l, i):
#       d[i] = f'process {i}'
#       l.append(i)
#   if __name__ == '__main__':
#       with Manager() as manager:
#           d = manager.dict(); l = manager.list()
#           ps = [Process(target=f, args=(d, l, i)) for i in range(5)]
#           ...; print(d); print(l)

$d = New-MpDictionary
$l = New-MpList
$children = 1..5 | Start-MpProcess { ($using:d)[$_] = "process $_"; ($using:l).Add($_) }
$children | Wait-MpProcess
foreach ($key in $d.Keys | Sort-Object) { Write-Host "$key = $($d[$key])" }
Write-Host "list: $(($l | Sort-Object) -join ', ')"
