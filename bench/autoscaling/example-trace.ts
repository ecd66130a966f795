// A small hand-made trace (requests per minute over half an hour: a morning rise, a lunch-time surge, the
// afternoon decline) that exercises the CSV replay path. It is an example, not a production trace.
export const EXAMPLE_TRACE_CSV = `minute,requests
0,720
1,760
2,900
3,1300
4,2000
5,2600
6,3000
7,3300
8,3100
9,2900
10,2700
11,2500
12,2600
13,3600
14,4200
15,3900
16,3000
17,2400
18,2000
19,1700
20,1500
21,1300
22,1200
23,1100
24,1000
25,900
26,850
27,800
28,760
29,720
`
