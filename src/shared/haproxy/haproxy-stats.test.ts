import { describe, expect, it } from 'vitest'
import { parseServerStats, serverHealth, trafficBetween } from './haproxy-stats'

// Columns as HAProxy 2.6 prints them (a prefix is enough: rows are read by the header's names).
const HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,'
const row = (
  server: string,
  o: {
    scur?: number
    econ?: number
    status?: string
    check?: string
    code?: string
    r2?: number
    r5?: number
    rtime?: number
  },
) =>
  `workload,${server},0,0,${o.scur ?? 0},0,,0,0,0,,0,,${o.econ ?? 0},0,0,0,${o.status ?? 'UP'},1,1,0,0,0,0,0,,1,3,1,,0,,2,0,,0,${o.check ?? 'L7OK'},${o.code ?? '200'},1,0,${o.r2 ?? 0},0,0,${o.r5 ?? 0},0,,,,,0,0,0,0,0,0,0,,,0,0,${o.rtime ?? 0},0,`

describe('parseServerStats', () => {
  it('reads the workload servers and skips the frontend, backend and other proxies', () => {
    const csv = [
      HEADER,
      'public,FRONTEND,,,3,4,8192,10,0,0,0,0,0,,,,,OPEN,',
      row('c1', { scur: 2, r2: 10, rtime: 3 }),
      'workload,BACKEND,0,0,2,2,800,10,0,0,0,0,,0,0,0,0,UP,',
      'agent_pages,pages,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,',
    ].join('\n')
    const [c1, ...rest] = parseServerStats(csv)
    expect(rest).toEqual([])
    expect(c1).toMatchObject({ id: 'c1', inFlight: 2, responseMs: 3, status: 'UP', check: 'L7OK 200' })
    expect(c1?.responses['2xx']).toBe(10)
  })

  it('reads nothing from an answer that is not CSV', () => {
    expect(parseServerStats('Unknown command.\n')).toEqual([])
  })
})

describe('trafficBetween', () => {
  it('counts answers since the previous reading, failures without status as 502', () => {
    const before = parseServerStats([HEADER, row('c1', { r2: 10, r5: 1 })].join('\n'))
    const after = parseServerStats(
      [HEADER, row('c1', { r2: 25, r5: 1, econ: 2, rtime: 4 }), row('c2', { r2: 3 })].join('\n'),
    )
    expect(trafficBetween(before, after)).toEqual([
      {
        id: 'c1',
        answers: [
          { status: 200, count: 15 },
          { status: 502, count: 2 },
        ],
        responseMs: 4,
      },
      { id: 'c2', answers: [{ status: 200, count: 3 }], responseMs: 0 },
    ])
  })

  it('counts a re-added server (counters went down) from zero', () => {
    const before = parseServerStats([HEADER, row('c1', { r2: 100 })].join('\n'))
    const after = parseServerStats([HEADER, row('c1', { r2: 4 })].join('\n'))
    expect(trafficBetween(before, after)[0]?.answers).toEqual([{ status: 200, count: 4 }])
  })
})

describe('serverHealth', () => {
  it('is unhealthy only when the checks took it DOWN, and says what the check saw', () => {
    const [down] = parseServerStats(
      [HEADER, row('c1', { status: 'DOWN', check: 'L4CON', code: '' })].join('\n'),
    )
    expect(serverHealth(down as never)).toEqual({
      healthy: false,
      reason: "HAProxy's health check failed (L4CON)",
    })
    const [going] = parseServerStats([HEADER, row('c1', { status: 'UP 1/2' })].join('\n'))
    expect(serverHealth(going as never)).toEqual({ healthy: true })
  })
})
