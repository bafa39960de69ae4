# Python's pipe example, both ways: the child sends 1 and 2, the parent receives both and sends 3,
# and the child prints what it received.
#
#   from multiprocessing import Process, Pipe
#   def f(conn):
#       conn.send([42, None, 'hello']); conn.close()
#   if __name__ == '__main__':
#       parent_conn, child_conn = Pipe(); p = Process(target=f, args=(child_conn,)); p.start()
#       print(parent_conn.recv()); p.join()

$parentEnd, $childEnd = New-MpPipe
$p = Start-MpProcess {
    param($end)
    $end.Send(1)
    $end.Send(2)
    Write-Host "child received: $($end.Receive())"
} -ArgumentList $childEnd
Write-Host "parent received: $($parentEnd.Receive())"    # 1
Write-Host "parent received: $($parentEnd.Receive())"    # 2
$parentEnd.Send(3)
Wait-MpProcess $p
