"""The starter set of standard answers (知识库), written from the domain reference (docs/domain-reference.md). Each
cites its basis. `flask seed` adds the ones missing (by ``seed_key``) and never changes an answer a supervisor
edited since: idempotent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hotline.answers.models import StandardAnswer
from hotline.extensions import db

#: The date the starter set was checked against the domain reference.
SEED_REVIEWED_ON = date(2026, 12, 7)

#: (key, category, question, answer, basis). The installation's province fills {province} (湖南), {regulation}
#: (《湖南省专利条例》), {capital} (长沙) and {area_code} (0731): a 广东 office's answers name 广东's.
STARTER_ANSWERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("dispute-how-to-file", "patent_dispute",
     "怎样请求处理专利侵权纠纷？",
     "专利权人或者利害关系人可以向被请求人所在地或者侵权行为地的管理专利工作的部门提交《专利侵权纠纷处理请求书》"
     "（按被请求人数量提交副本），附主体资格证明、专利权有效证明（专利登记簿副本）和侵权证据。"
     "对实用新型和外观设计专利，管理专利工作的部门可以要求提交专利权评价报告。",
     "《专利法》第六十五条；《专利法实施细则》第九十五条、第九十七条；《专利行政执法办法》"),
    ("dispute-conditions", "patent_dispute",
     "专利侵权纠纷处理请求要符合哪些条件才能立案？",
     "一是请求人是专利权人或者利害关系人；二是有明确的被请求人；三是有明确的请求事项和具体事实、理由；"
     "四是属于受案部门的受案和管辖范围；五是当事人没有就该纠纷向人民法院起诉，且双方没有约定其他纠纷解决方式（如仲裁）。",
     "《专利行政执法办法》关于立案条件的规定"),
    ("dispute-materials", "patent_dispute",
     "请求处理专利侵权纠纷要准备哪些材料？",
     "请求书及副本；主体资格证明（个人身份证，或营业执照及法定代表人身份证明；利害关系人还要提交许可合同等证明）；"
     "专利权有效证明（专利登记簿副本，以往为专利证书和当年年费缴纳凭证）；侵权证据及证据清单；委托代理的还要授权委托书。",
     "《专利行政执法办法》；《专利法实施细则》"),
    ("dispute-who-handles", "patent_dispute",
     "专利侵权纠纷由哪个部门处理？",
     "由被请求人所在地或者侵权行为地的管理专利工作的部门处理。在{province}，省知识产权局（省市场监督管理局）和专利管理工作量大、"
     "有实际处理能力的设区的市的管理专利工作的部门可以处理。两个以上部门都有管辖权的，由最先受理的部门处理。",
     "《专利法实施细则》第九十五条、第九十七条"),
    ("dispute-accept-time", "time_limits",
     "提交专利侵权纠纷处理请求后多久决定是否立案？",
     "管理专利工作的部门自收到请求书之日起5个工作日内立案并通知请求人；不符合条件的，在5个工作日内发出不予受理通知书并说明理由。",
     "《专利行政执法办法》（2015年修订）"),
    ("dispute-close-time", "time_limits",
     "专利侵权纠纷案件多长时间结案？",
     "自立案之日起3个月内结案；案情复杂需要延长的，经负责人批准可以延长，最多延长1个月。公告、鉴定、中止等期间不计算在内。",
     "《专利行政执法办法》（2015年修订）第二十一条"),
    ("dispute-defence", "time_limits",
     "被请求人收到专利侵权纠纷请求书副本后多久答辩？",
     "被请求人应当自收到请求书副本之日起15日内提交答辩书。逾期不答辩的，不影响案件处理。",
     "《专利行政执法办法》；{regulation}"),
    ("dispute-appeal", "time_limits",
     "对专利侵权纠纷处理决定不服怎么办？",
     "当事人不服的，可以自收到处理决定之日起15日内依照《行政诉讼法》向人民法院起诉。",
     "《专利法》第六十五条"),
    ("dispute-damages", "patent_dispute",
     "专利部门能判侵权人赔偿吗？",
     "不能直接判决赔偿。管理专利工作的部门认定侵权成立的，可以责令侵权人立即停止侵权行为；"
     "应当事人的请求，可以就侵犯专利权的赔偿数额进行调解，调解不成的，当事人可以向人民法院起诉。",
     "《专利法》第六十五条"),
    ("dispute-invalidation", "patent_dispute",
     "被请求人提出专利无效宣告，纠纷处理会中止吗？",
     "被请求人提出无效宣告请求并被国家知识产权局受理的，可以请求中止处理；"
     "管理专利工作的部门认为中止理由明显不能成立的，可以不中止。",
     "《专利法实施细则》（2023年）第九十八条"),
    ("dispute-court-first", "patent_dispute",
     "已经向法院起诉了，还能请专利部门处理吗？",
     "不能。当事人已就该专利侵权纠纷向人民法院起诉的，管理专利工作的部门不予受理；已经受理的，应当撤销案件。",
     "《专利行政执法办法》关于立案条件的规定"),
    ("dispute-limitation", "time_limits",
     "专利侵权的诉讼时效是多久？",
     "侵犯专利权的诉讼时效为三年，自专利权人或者利害关系人知道或者应当知道侵权行为以及侵权人之日起计算。",
     "《专利法》第七十四条"),
    ("other-disputes", "patent_dispute",
     "专利权归属、发明人资格、职务发明报酬的纠纷可以找专利部门吗？",
     "可以请求管理专利工作的部门调解，包括专利申请权和专利权归属纠纷、发明人或设计人资格纠纷、职务发明创造的奖励和报酬纠纷、"
     "发明专利临时保护期使用费纠纷（授权后才能请求）等。调解达成协议的签订调解协议书，达不成的撤销案件，当事人可以向法院起诉。",
     "《专利法实施细则》（2023年）第一百零二条"),
    ("mediation-steps", "time_limits",
     "请求专利纠纷调解后的流程和时限是什么？",
     "部门将请求书副本送达被请求人，被请求人应在15日内提交意见陈述书；同意调解的，部门在收到意见陈述书后5个工作日内立案，"
     "并通知双方调解的时间和地点。被请求人逾期未提交或者不同意调解的，不予立案并通知请求人。",
     "《专利行政执法办法》（2015年修订）第二十四条"),
    ("counterfeit-what", "counterfeit",
     "什么是假冒专利？",
     "包括：在未被授予专利权的产品或其包装上标注专利标识，专利权被宣告无效或终止后继续标注，未经许可标注他人的专利号；"
     "销售上述产品；在产品说明书等材料中将未授权的技术或设计称为专利、将专利申请称为专利，或未经许可使用他人的专利号；"
     "伪造或者变造专利证书、专利文件或者专利申请文件；其他使公众混淆的行为。",
     "《专利法》第六十八条；《专利法实施细则》（2023年）第一百零一条"),
    ("counterfeit-expired", "counterfeit",
     "专利到期前标注的专利号，到期后继续销售算假冒专利吗？",
     "不算。专利权终止前依法在专利产品或其包装上标注专利标识，在专利权终止后许诺销售、销售该产品的，不属于假冒专利行为。",
     "《专利法实施细则》（2023年）第一百零一条第二款"),
    ("counterfeit-innocent-seller", "counterfeit",
     "商店不知道卖的是假冒专利产品，会被罚款吗？",
     "销售不知道是假冒专利的产品，并且能够证明该产品合法来源的，由管理专利工作的部门责令停止销售，不予罚款。",
     "《专利法实施细则》（2023年）第一百零一条第三款"),
    ("counterfeit-how-to-report", "counterfeit",
     "怎样举报假冒专利？",
     "可以拨打12330或者到市场监督管理部门举报，说明被举报对象（企业或店铺名称、地址）、产品和标注的专利号，提供照片、购物凭证等证据。"
     "举报人的身份依法保密；匿名举报的线索足以证明违法行为的，也会受理。",
     "《专利法》第六十八条；《市场监督管理投诉举报处理暂行办法》第三十三条"),
    ("counterfeit-penalty", "fees",
     "假冒专利会受到什么处罚？",
     "由负责专利执法的部门责令改正并予公告，没收违法所得，可以处违法所得五倍以下的罚款；没有违法所得或者违法所得在五万元以下的，"
     "可以处二十五万元以下的罚款；构成犯罪的，依法追究刑事责任。",
     "《专利法》（2020年修正，2021年6月1日施行）第六十八条"),
    ("counterfeit-who", "counterfeit",
     "假冒专利归哪个部门查处？",
     "机构改革后，假冒专利行为由市场监督管理部门综合执法查处，在行为发生地处理；{province}县级以上管理专利工作的部门也可以查处。",
     "国知办函保字〔2021〕701号；{regulation}"),
    ("counterfeit-time", "time_limits",
     "举报假冒专利后多久立案？",
     "按《专利行政执法办法》，自收到举报、投诉之日起10个工作日内立案（自行发现的5个工作日内）；"
     "按市场监管程序，对线索在15个工作日内核查并决定是否立案，特殊情况可以延长15个工作日。",
     "《专利行政执法办法》（2015年修订）第二十八条；《市场监督管理投诉举报处理暂行办法》第二十三条"),
    ("counterfeit-result", "time_limits",
     "实名举报后能知道处理结果吗？",
     "能。实名举报人会在立案或者不予立案决定作出之日起5个工作日内被告知是否立案。",
     "《市场监督管理投诉举报处理暂行办法》第三十一条"),
    ("marking-irregular", "counterfeit",
     "专利标识标注不规范怎么处理？",
     "专利标识标注不规范的，由管理专利工作的部门责令改正。"
     "标注时应写明专利类型和专利号，例如“实用新型专利 ZL201710601862.3”。",
     "《专利法实施细则》（2023年）第九十九条"),
    ("hotline-what", "hotline",
     "12330热线能提供哪些服务？",
     "12330是知识产权维权援助与举报投诉公益服务电话，提供知识产权法律、政策和程序咨询，受理举报和投诉并转交有管辖权的执法部门，"
     "受理维权援助申请（法律帮助、侵权判定咨询、展会和电商维权等）。",
     "《国家知识产权局关于加强“12330”知识产权维权援助与举报投诉公益号码管理工作的通知》（国知发管字〔2009〕115号）"),
    ("hotline-cannot", "hotline",
     "12330热线不能做什么？",
     "热线不能代替法院或执法部门作出侵权认定或处罚决定，不能判决赔偿，也不出具有法律效力的鉴定意见；"
     "已经由法院或其他执法部门受理的事项不再重复受理。热线会把举报、投诉转交有管辖权的部门，并把结果反馈给来电人。",
     "《关于开展知识产权维权援助工作的指导意见》（国知发管字〔2007〕157号）；12330受理条件"),
    ("hotline-accept-conditions", "hotline",
     "12330受理举报投诉需要满足什么条件？",
     "有明确的被举报对象和具体事实，尽量提供证据；属于知识产权执法部门的职权和管辖范围；提供真实身份（匿名线索足以证明侵权的也受理）；"
     "未被其他执法部门或法院受理。",
     "《市场监督管理投诉举报处理暂行办法》；知识产权维权援助中心举报投诉受理条件"),
    ("hotline-fee", "fees",
     "拨打12330收费吗？咨询要交钱吗？",
     "12330是公益服务号码，咨询、举报、投诉和维权援助都不收取服务费，只按所在地电话资费标准支付通话费。"
     "外地拨打时在12330前加拨区号，例如{capital}{area_code}-12330。",
     "国知发管字〔2009〕115号（公益号码，不得出租或用于商业用途）"),
    ("hotline-hours", "hotline",
     "12330什么时候有人接听？",
     "法定工作日的工作时间由话务员接听；其他时间可以留言，工作人员上班后回复。",
     "国知发管字〔2009〕115号；各地12330中心服务规范"),
    ("hotline-processing-time", "time_limits",
     "向12330投诉后多久有结果？",
     "热线在5个工作日内对举报投诉作出受理或转办决定；转交的执法部门一般在90日内办结，复杂案件120日内。"
     "热线收到处理结果后5个工作日内告知来电人。",
     "粤知〔2011〕208号等各地12330办理规范；本中心受理时限规定"),
    ("hotline-confidential", "hotline",
     "我举报了，我的身份会被泄露吗？",
     "不会。举报人的姓名、电话等信息依法保密，只有经办人员按规定使用。可以匿名举报，但实名举报可以收到处理情况的告知。",
     "《市场监督管理投诉举报处理暂行办法》第三十三条"),
    ("trademark-where", "trademark",
     "商标侵权、假冒商标找哪里？",
     "商标侵权和假冒注册商标由市场监督管理部门查处，"
     "可以拨打12315或向当地市场监管局投诉举报；"
     "也可以向人民法院起诉。12330可以提供咨询，并把线索转交市场监管部门。",
     "《商标法》第六十条；机构改革后商标执法由市场监督管理部门负责"),
    ("copyright-where", "copyright",
     "著作权（版权）侵权找哪里？",
     "著作权侵权由版权行政管理部门（版权局、文化市场综合执法机构）处理，也可以向人民法院起诉。"
     "12330可以提供咨询，并告知来电人向当地版权部门投诉。",
     "《著作权法》第五十三条；版权行政执法职责分工"),
    ("other-ip-where", "other",
     "商业秘密、植物新品种、地理标志的问题找哪里？",
     "商业秘密由市场监督管理部门处理；植物新品种由农业农村或林业草原部门处理；地理标志由知识产权局和市场监管部门负责；"
     "涉嫌犯罪的由公安机关处理。12330可以提供咨询和转办。",
     "知识产权类型与主管部门对应关系（12330受理范围）"),
    ("not-ip", "other",
     "不是知识产权的问题（如消费纠纷）打12330可以吗？",
     "消费纠纷、产品质量等非知识产权问题，请拨打12315（市场监管）或12345（政务服务便民热线）。",
     "国办发〔2020〕53号（政务服务便民热线归并）"),
    ("fine-payment", "fees",
     "假冒专利罚款多久内缴纳？逾期会怎样？",
     "当事人应当自收到行政处罚决定书之日起15日内缴纳罚款；到期不缴纳的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款数额。",
     "《行政处罚法》第六十七条、第七十二条"),
    ("penalty-hearing", "time_limits",
     "被处以较大数额罚款，可以要求听证吗？",
     "可以。当事人应当在行政机关告知后5个工作日内提出听证要求；行政机关应当在举行听证的7个工作日前通知当事人。",
     "《行政处罚法》第六十四条"),
    ("penalty-published", "other",
     "假冒专利的处罚决定会公开吗？",
     "会。侵权假冒行政处罚案件信息在处罚决定作出之日起20个工作日内公开，内容包括决定书文号、被处罚人、主要违法事实、处罚种类和依据等；"
     "行政处罚信息还按“双公示”要求在7个工作日内公示。",
     "《关于依法公开制售假冒伪劣商品和侵犯知识产权行政处罚案件信息的意见(试行)》；《市场监督管理行政处罚信息公示规定》"),
    ("exhibition-complaint", "patent_dispute",
     "展会上发现侵犯专利权的展品怎么办？",
     "可以向展会的知识产权投诉站或展会所在地的管理专利工作的部门投诉，提交专利权有效证明和侵权证据；"
     "认定侵权的，可以责令被投诉人从展会撤出侵权展品。",
     "《专利行政执法办法》关于制止侵权措施的规定；展会知识产权保护相关规定"),
    ("online-infringement", "patent_dispute",
     "网店卖侵犯我专利的产品怎么办？",
     "可以向管理专利工作的部门请求处理；认定侵权的，部门可以通知电子商务平台删除、屏蔽或者断开侵权产品链接。"
     "也可以直接向平台投诉或者向人民法院起诉。",
     "《专利行政执法办法》（2015年修订）关于制止侵权措施的规定；《电子商务法》第四十二条"),
)


def seed_answers() -> int:
    """Add the starter answers not yet present (matched by seed key); returns how many were added."""
    from hotline.answers.operations import create_answer

    have = set(db.session.scalars(select(StandardAnswer.seed_key).where(StandardAnswer.seed_key.is_not(None))))
    added = 0
    words = _province_words()
    for key, category, question, answer, basis in STARTER_ANSWERS:
        if key in have:
            continue
        question, answer, basis = (text.format(**words) for text in (question, answer, basis))
        create_answer({"question": question, "answer": answer, "category": category, "basis": basis,
                       "reviewed_on": SEED_REVIEWED_ON}, actor=None, seed_key=key)
        added += 1
    return added


def _province_words() -> dict[str, str]:
    """What the starter answers say of the installation's province, from its region data."""
    from flask import current_app

    from hotline.core.permissions import province_code
    from hotline.reference.data import province_tree

    # From the shipped data (the seed may run on a database migrated only part of the way).
    tree = province_tree(province_code())
    province, capital = tree["province"], (tree["prefectures"] or [{}])[0]
    return {"province": province["short_name"], "regulation": f"《{province['name']}专利条例》",
            "capital": capital.get("short_name", ""),
            "area_code": current_app.config.get("DEFAULT_AREA_CODE") or province["area_code"]
            or capital.get("area_code") or ""}
