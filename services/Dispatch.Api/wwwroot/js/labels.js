// Words the server cannot send: the names of the request fields a refusal points at (google.rpc.BadRequest names
// the field; the words for it are the pages' own). Every code of the domain has its words in the reference data's
// labels (see labelOf in common.js).

export const LABELS = {
  // The fields that refusals name (google.rpc.BadRequest field violations).
  field: {
    reason: ['原因', 'Reason'],
    comment: ['评语', 'Comment'],
    rating: ['评价', 'Rating'],
    into: ['合并到', 'Merge into'],
    extra: ['延长时间', 'Extra time'],
    ground: ['理由类别', 'Ground'],
    lead_unit: ['主办单位', 'Lead unit'],
    co_units: ['协办单位', 'Co-units'],
    worker: ['处置人员', 'Worker'],
    text: ['备注', 'Note'],
    note: ['处置说明', 'Result note'],
    evidence: ['现场照片', 'Photo'],
    location: ['位置', 'Position'],
    content: ['照片', 'Photo'],
    number: ['案件编号', 'Case number'],
    page_size: ['每页条数', 'Page size'],
    from: ['开始日期', 'From'],
    to: ['结束日期', 'To'],
    by: ['分组', 'Group by'],
    type: ['案件类型', 'Type'],
    channel: ['来源渠道', 'Channel'],
    street: ['街镇', 'Street'],
    address: ['地址', 'Address'],
    digits: ['案件编号', 'Case number'],
    unit: ['单位', 'Unit'],
    to_unit: ['改派到', 'Move to'],
    priority: ['等级', 'Priority'],
    status: ['在岗状态', 'Duty status'],
    external_ref: ['外部工单号', 'Work-order number'],
    workers: ['处置人员', 'Workers'],
    radius_m: ['范围', 'Radius'],
    period: ['时段', 'Period'],
    scenario: ['场景', 'Scenario'],
    description: ['描述', 'Description'],
  },
};
