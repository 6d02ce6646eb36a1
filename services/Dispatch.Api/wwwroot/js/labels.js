// Words for the codes the server sends today (states, event kinds, roles, channels, stages, dispositions …), in
// both languages. One table, so that no code reaches a screen as it is; it goes away entry by entry as the reference
// data starts to carry these labels itself (see labelOf in common.js, which prefers the server's).

export const LABELS = {
  state: {
    Reported: ['上报', 'Reported'], Filed: ['立案', 'Filed'], Dismissed: ['不予立案', 'Dismissed'],
    Dispatched: ['派遣', 'Dispatched'], Returned: ['退单', 'Returned'], Accepted: ['签收', 'Accepted'],
    InProgress: ['处置中', 'In progress'], Handled: ['处置反馈', 'Handled'], UnderReview: ['核查', 'Under review'],
    Closed: ['结案', 'Closed'], Merged: ['合并', 'Merged'],
  },
  priority: {
    P1: ['特急', 'Critical'], P2: ['紧急', 'Urgent'], P3: ['一般', 'Normal'], P4: ['行政', 'Routine'],
  },
  // The timeline's event kinds (the event log's names).
  event: {
    reported: ['上报', 'Reported'], filed: ['立案', 'Filed'], dismissed: ['不予立案', 'Dismissed'],
    dispatched: ['派遣', 'Dispatched'], accepted: ['签收', 'Accepted'], returned: ['退单', 'Returned'],
    arrived: ['到达现场', 'Arrived on site'], resultSubmitted: ['处置反馈', 'Result submitted'],
    reviewStarted: ['进入核查', 'Review started'], reworkRequested: ['退回返工', 'Sent back for rework'],
    closed: ['结案', 'Closed'], reopened: ['重新打开', 'Reopened'], merged: ['合并到其他案件', 'Merged into another'],
    absorbed: ['并入案件', 'Absorbed another'], deadlineExtended: ['延期', 'Deadline extended'],
    deferred: ['挂账', 'Deferred'], resumed: ['恢复办理', 'Resumed'], escalated: ['督办升级', 'Escalated'],
    noteAdded: ['备注', 'Note'], resolved: ['自动恢复', 'Resolved by itself'],
  },
  role: {
    System: ['系统', 'System'], Gateway: ['物联网关', 'Gateway'], Dispatcher: ['调度员', 'Dispatcher'],
    UnitStaff: ['单位值班员', 'Unit staff'], Worker: ['处置人员', 'Field worker'], Reviewer: ['审核员', 'Reviewer'],
    Auditor: ['评效员', 'Auditor'], Administrator: ['系统管理员', 'Administrator'], Citizen: ['市民', 'Citizen'],
  },
  channel: {
    IotSensor: ['物联感知', 'IoT sensor'], AiCamera: ['智能视频', 'AI camera'], Hotline: ['12345 热线', '12345 hotline'],
    GridPatrol: ['网格巡查', 'Grid patrol'], CitizenApp: ['市民上报', 'Citizen app'], ThirdParty: ['第三方平台', 'Third party'],
    HigherLevel: ['上级交办', 'Higher level'], System: ['系统', 'System'],
  },
  stage: {
    Filing: ['立案', 'filing'], Dispatching: ['派遣', 'dispatch'], Accepting: ['签收', 'acceptance'],
    Arriving: ['到场', 'arrival'], Handling: ['处置', 'handling'], Reviewing: ['核查', 'review'],
  },
  escalation: {
    0: ['正常', 'On time'], 1: ['预警', 'Warned'], 2: ['超期', 'Overdue'], 3: ['挂牌督办', 'Listed for supervision'],
  },
  disposition: {
    NewIncident: ['新建案件', 'Opened the incident'], Attached: ['并入本案', 'Joined this incident'],
    DuplicateReplay: ['重复上报', 'Repeated alert'], Suppressed: ['维护中，未立案', 'Device in maintenance'],
    Rejected: ['已拒收', 'Rejected'],
  },
  ground: {
    FalseAlarm: ['误报', 'False alarm'], Duplicate: ['重复件', 'Duplicate'], OutOfScope: ['非职责范围', 'Out of scope'],
  },
  grade: { Green: ['绿', 'Green'], Yellow: ['黄', 'Yellow'], Red: ['红', 'Red'] },
  assignment: {
    Dispatched: ['待签收', 'Awaiting acceptance'], Accepted: ['已签收', 'Accepted'], InProgress: ['处置中', 'In progress'],
    Handled: ['已反馈', 'Handled'],
  },
  // Workers' status on the map (issue 11's duty roster).
  worker: { Free: ['在岗空闲', 'On duty, free'], Busy: ['处置中', 'Busy'], OffDuty: ['离岗', 'Off duty'] },
  // The fields that refusals name (google.rpc.BadRequest field violations).
  field: {
    reason: ['原因', 'Reason'], comment: ['评语', 'Comment'], rating: ['评价', 'Rating'], into: ['合并到', 'Merge into'],
    extra: ['延长时间', 'Extra time'], ground: ['理由类别', 'Ground'], lead_unit: ['主办单位', 'Lead unit'],
    co_units: ['协办单位', 'Co-units'], worker: ['处置人员', 'Worker'], text: ['备注', 'Note'], note: ['处置说明', 'Result note'],
    evidence: ['现场照片', 'Photo'], location: ['位置', 'Position'], content: ['照片', 'Photo'], number: ['案件编号', 'Case number'],
    page_size: ['每页条数', 'Page size'], from: ['开始日期', 'From'], to: ['结束日期', 'To'], by: ['分组', 'Group by'],
  },
};
